//! The Conversions API port (DESIGN §2.5): conversion events out to Meta.

use async_trait::async_trait;

use crate::domain::conversion::ConversionEvent;

/// Why a request was not accepted, decided once for every caller: a refusal is final (the
/// events go to the dead-letter queue), anything else is worth retrying.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CapiError {
    /// Meta refused the request (4xx): the same request will never succeed.
    #[error("refused by the Conversions API ({status}): {reason}")]
    Rejected { status: u16, reason: String },
    /// A 5xx, throttling, a timeout or the network: try again later.
    #[error("Conversions API unavailable: {0}")]
    Transient(String),
}

/// A pixel's credentials and the events to send with them.
#[derive(Debug, Clone, Copy)]
pub struct Destination<'a> {
    pub pixel_id: &'a str,
    pub access_token: &'a str,
    /// Meta's test-events code: the events show in Events Manager's test tab only.
    pub test_event_code: Option<&'a str>,
}

#[async_trait]
pub trait ConversionsApi: Send + Sync {
    /// Sends at most 1,000 events in one request; returns how many Meta says it received.
    async fn send(&self, to: Destination<'_>, events: &[ConversionEvent])
        -> Result<u64, CapiError>;
}
