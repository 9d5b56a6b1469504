//! `Outbox`: the SMS port on one machine. Every text is accepted and kept (the newest
//! `LIMIT`), so crm-local sends nothing anywhere; `GET /messages` shows the messages with
//! their statuses, and tests read what went out here.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::ports::sms::{Sms, SmsError, SmsProvider};

const LIMIT: usize = 10_000;

#[derive(Debug, Clone, Default)]
pub struct Outbox {
    sent: Arc<Mutex<Vec<(String, Sms)>>>,
}

impl Outbox {
    pub fn new() -> Self {
        Self::default()
    }

    /// What was sent, oldest first, with the ids the outbox gave.
    pub fn sent(&self) -> Vec<(String, Sms)> {
        self.sent.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

#[async_trait]
impl SmsProvider for Outbox {
    async fn send(&self, sms: &Sms) -> Result<String, SmsError> {
        let id = format!("local-{}", ulid::Ulid::new());
        let mut sent = self
            .sent
            .lock()
            .map_err(|_| SmsError::Transient("outbox poisoned".into()))?;
        if sent.len() >= LIMIT {
            sent.drain(..LIMIT / 2);
        }
        sent.push((id.clone(), sms.clone()));
        tracing::info!(message_id = %id, chars = sms.body.chars().count(), "text kept in the local outbox");
        Ok(id)
    }
}
