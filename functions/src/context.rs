//! What a handler gets: the ports it may use. Bins fill it with AWS adapters, crm-local
//! with embedded ones, tests with whatever they need.

use std::sync::Arc;

use crm_shared::ports::bus::{DomainEvent, EventBus};
use crm_shared::ports::clock::Clock;
use crm_shared::ports::store::Store;

#[derive(Clone)]
pub struct Ctx {
    pub store: Arc<dyn Store>,
    pub bus: Arc<dyn EventBus>,
    pub clock: Arc<dyn Clock>,
}

impl Ctx {
    /// Publishes events after the state they describe is durable. A failure is logged, not
    /// returned: the write it follows already happened, and consumers that must see every
    /// change (counters) do not depend on the event arriving.
    pub async fn publish(&self, events: Vec<DomainEvent>) {
        let types: Vec<String> = events.iter().map(|e| e.detail_type.clone()).collect();
        if let Err(e) = self.bus.publish(events).await {
            tracing::error!(error = %e, events = ?types, "event publication failed");
        }
    }
}
