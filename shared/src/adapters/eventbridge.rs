//! `EventBridgeBus`: domain events out to an EventBridge bus (DESIGN §5).

use aws_sdk_eventbridge::error::DisplayErrorContext;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_sdk_eventbridge::Client;

use crate::ports::bus::{BusError, DomainEvent, EventBus, SOURCE};

/// Most entries one `PutEvents` call accepts.
const PUT_EVENTS_ENTRIES: usize = 10;

#[derive(Debug, Clone)]
pub struct EventBridgeBus {
    client: Client,
    bus_name: String,
}

impl EventBridgeBus {
    pub fn new(client: Client, bus_name: String) -> Self {
        Self { client, bus_name }
    }
}

#[async_trait::async_trait]
impl EventBus for EventBridgeBus {
    /// Publishes in calls of ten. Delivery is at least once: when a later call fails, the
    /// earlier ones are already out, and the caller's retry publishes them again (consumers
    /// are idempotent on the detail's `event_id`).
    async fn publish(&self, events: Vec<DomainEvent>) -> Result<(), BusError> {
        for chunk in events.chunks(PUT_EVENTS_ENTRIES) {
            let entries = chunk
                .iter()
                .map(|event| {
                    let detail = serde_json::to_string(&event.detail)
                        .map_err(|e| BusError(format!("event detail: {e}")))?;
                    Ok(PutEventsRequestEntry::builder()
                        .source(SOURCE)
                        .detail_type(&event.detail_type)
                        .detail(detail)
                        .event_bus_name(&self.bus_name)
                        .build())
                })
                .collect::<Result<Vec<_>, BusError>>()?;
            let out = self
                .client
                .put_events()
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| BusError(DisplayErrorContext(&e).to_string()))?;
            if out.failed_entry_count() > 0 {
                let codes = out
                    .entries()
                    .iter()
                    .filter_map(|e| e.error_code())
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(BusError(format!(
                    "{} of {} events rejected: {codes}",
                    out.failed_entry_count(),
                    chunk.len()
                )));
            }
        }
        Ok(())
    }
}
