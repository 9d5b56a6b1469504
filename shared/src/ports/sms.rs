//! The SMS provider port (DESIGN §2.4): hands one text to a provider.

use async_trait::async_trait;

/// One text to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sms {
    /// E.164.
    pub to: String,
    /// The sender number or messaging service id; none → the provider account's default.
    pub from: Option<String>,
    pub body: String,
    /// Where the provider reports this message's delivery (the sending tenant's own
    /// `sms-status` hook), so reports reach the tenant that sent it even on a shared sender.
    pub status_callback: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmsError {
    /// The provider refused this text for good (invalid number, unsubscribed, bad sender):
    /// sending it again would fail again.
    #[error("refused by the provider: {0}")]
    Rejected(String),
    /// The provider could not take it now (5xx, throttled, timeout, network): retry.
    #[error("provider unavailable: {0}")]
    Transient(String),
}

#[async_trait]
pub trait SmsProvider: Send + Sync {
    /// Sends the text; returns the provider's id of it.
    async fn send(&self, sms: &Sms) -> Result<String, SmsError>;
}
