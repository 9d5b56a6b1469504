//! `EventBridgeBus`: domain events out to an EventBridge bus (DESIGN §5).

use aws_sdk_eventbridge::error::DisplayErrorContext;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_sdk_eventbridge::Client;

use crate::adapters::lazy_client::LazyClient;
use crate::domain::events::Event;
use crate::ports::bus::{BusError, Envelope, EventBus};

/// Most entries one `PutEvents` call accepts.
const PUT_EVENTS_ENTRIES: usize = 10;

#[derive(Debug, Clone)]
pub struct EventBridgeBus {
    client: LazyClient<Client>,
    bus_name: String,
}

impl EventBridgeBus {
    pub fn new(client: Client, bus_name: String) -> Self {
        Self::lazy(LazyClient::ready(client), bus_name)
    }

    /// On a client made when the first event is published (only `publish_events` does).
    pub fn lazy(client: LazyClient<Client>, bus_name: String) -> Self {
        Self { client, bus_name }
    }
}

impl EventBridgeBus {
    /// Puts envelopes on the bus in calls of ten. Delivery is at least once: when a later
    /// call fails, the earlier ones are already out, and the caller's retry puts them again
    /// (consumers are idempotent on the detail's `event_id`).
    pub async fn put(&self, envelopes: Vec<Envelope>) -> Result<(), BusError> {
        for chunk in envelopes.chunks(PUT_EVENTS_ENTRIES) {
            let entries = chunk
                .iter()
                .map(|envelope| {
                    let detail = serde_json::to_string(&envelope.detail)
                        .map_err(|e| BusError(format!("event detail: {e}")))?;
                    Ok(PutEventsRequestEntry::builder()
                        .source(&envelope.source)
                        .detail_type(&envelope.detail_type)
                        .detail(detail)
                        .event_bus_name(&self.bus_name)
                        .build())
                })
                .collect::<Result<Vec<_>, BusError>>()?;
            let out = self
                .client
                .get()
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

#[async_trait::async_trait]
impl EventBus for EventBridgeBus {
    async fn publish(&self, events: Vec<Event>) -> Result<(), BusError> {
        let envelopes = events
            .iter()
            .map(Envelope::of)
            .collect::<Result<Vec<_>, _>>()?;
        self.put(envelopes).await
    }
}
