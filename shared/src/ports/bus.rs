//! The event bus port: domain events out to EventBridge (DESIGN §5).

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::events::Event;

/// The `source` of every event this product publishes.
pub const SOURCE: &str = "pipeline.crm";

/// The only `source` whose booking facts (`Booking*`) the bus rule and the booking consumer
/// accept: the platform's own booking-system integrations, which the operator runs in the
/// account (IAM decides who may put it). Nothing on the bus authenticates a fact's
/// `tenant_id`, so a third-party booking system sends its facts through the signed webhook
/// (`POST /hooks/{tenant}/bookings`, the tenant's own secret) instead.
pub const BOOKING_SOURCE: &str = "pipeline.crm.bookings";

/// An event as the bus carries it: EventBridge's `detail-type`, `source` and `detail`. This
/// product publishes [`Event`]s (source [`SOURCE`]); other systems put their own facts on the
/// same bus (the booking system's `Booking*`), which consumers read as they arrive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    #[serde(rename = "detail-type")]
    pub detail_type: String,
    #[serde(default)]
    pub source: String,
    pub detail: Value,
}

impl Envelope {
    /// The envelope of one of our events.
    pub fn of(event: &Event) -> Result<Self, BusError> {
        let detail = match serde_json::to_value(event) {
            Ok(Value::Object(mut wire)) => wire.remove("detail").unwrap_or(Value::Null),
            Ok(_) => Value::Null,
            Err(e) => return Err(BusError(format!("event detail: {e}"))),
        };
        Ok(Self {
            detail_type: event.detail_type().to_owned(),
            source: SOURCE.to_owned(),
            detail,
        })
    }

    /// The event it carries, when it is one of ours: `None` for another detail-type, an
    /// error when ours but its detail does not read.
    pub fn event(&self) -> Option<Result<Event, serde_json::Error>> {
        Event::DETAIL_TYPES
            .contains(&self.detail_type.as_str())
            .then(|| {
                serde_json::from_value(serde_json::json!({
                    "detail-type": self.detail_type,
                    "detail": self.detail,
                }))
            })
    }
}

#[derive(Debug, thiserror::Error)]
#[error("event bus unavailable: {0}")]
pub struct BusError(pub String);

#[async_trait]
pub trait EventBus: Send + Sync {
    async fn publish(&self, events: Vec<Event>) -> Result<(), BusError>;
}
