//! The event bus port: domain events out to EventBridge (DESIGN §5).

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The `source` of every event this product publishes.
pub const SOURCE: &str = "pipeline.crm";

/// A domain event: `detail_type` such as `lead.captured`, `detail` its JSON body. Every
/// detail carries `tenant_id` and an `event_id` consumers use to stay idempotent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainEvent {
    pub detail_type: String,
    pub detail: Value,
}

impl DomainEvent {
    pub fn new(detail_type: impl Into<String>, detail: Value) -> Self {
        Self {
            detail_type: detail_type.into(),
            detail,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("event bus unavailable: {0}")]
pub struct BusError(pub String);

#[async_trait]
pub trait EventBus: Send + Sync {
    async fn publish(&self, events: Vec<DomainEvent>) -> Result<(), BusError>;
}
