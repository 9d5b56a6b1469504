//! `RecordingCapi`: the Conversions API port in memory. It sends nothing and keeps what it
//! would have sent (crm-local without Meta, and tests).

use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::domain::conversion::ConversionEvent;
use crate::ports::capi::{CapiError, ConversionsApi, Destination};

/// One request as it would have gone out (the token is not kept).
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub pixel_id: String,
    pub test_event_code: Option<String>,
    pub events: Vec<ConversionEvent>,
}

#[derive(Debug, Clone, Default)]
pub struct RecordingCapi {
    sent: Arc<Mutex<Vec<Recorded>>>,
}

impl RecordingCapi {
    pub fn new() -> Self {
        Self::default()
    }

    /// The requests recorded so far, oldest first.
    pub fn sent(&self) -> Vec<Recorded> {
        self.sent.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

#[async_trait]
impl ConversionsApi for RecordingCapi {
    async fn send(
        &self,
        to: Destination<'_>,
        events: &[ConversionEvent],
    ) -> Result<u64, CapiError> {
        let mut sent = self
            .sent
            .lock()
            .map_err(|_| CapiError::Transient("recorder poisoned".into()))?;
        sent.push(Recorded {
            pixel_id: to.pixel_id.to_owned(),
            test_event_code: to.test_event_code.map(str::to_owned),
            events: events.to_vec(),
        });
        Ok(events.len() as u64)
    }
}
