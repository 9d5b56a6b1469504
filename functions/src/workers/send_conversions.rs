//! `send_conversions`: the consumer of the `conversions` queue (DESIGN §2.5, §5). Each message
//! is a `lead.captured` or `lead.status_changed` event as EventBridge delivers it (the rule of
//! the template in AWS, the local bus's subscription in crm-local). A capture becomes a `Lead`
//! event, `booked` a `Schedule`, `won` a `Purchase`; they go to the tenant's pixel in requests
//! of at most 1,000 events.
//!
//! Per message: malformed → dead-letter queue with the reason; not a conversion, tenant
//! without Meta settings, lead gone, already sent → done, nothing sent; older than 7 days →
//! recorded as dropped, done; Meta refuses (4xx) → dead-letter queue with Meta's reason; Meta
//! unavailable (5xx, timeout) → retried. A sent marker per event id keeps redeliveries from
//! sending twice (and Meta deduplicates by the same id).

use crm_shared::domain::secret::Purpose;
use crm_shared::ports::vault::VaultError;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use crm_shared::domain::conversion::DroppedEvent;
use crm_shared::domain::conversion::{
    build_event, is_too_old, requests, ConversionEvent, ConversionKind, Money, Occurrence,
};
use crm_shared::domain::events::Event;
use crm_shared::domain::lead::Lead;
use crm_shared::domain::tenant::{MetaSettings, TenantSettings};
use crm_shared::ports::bus::Envelope;
use crm_shared::ports::capi::{CapiError, Destination};
use crm_shared::ports::queue::{settle, BatchOutcome, Disposition, QueueName, Received};
use crm_shared::ports::store::StoreError;
use crm_shared::store::conversions;
use crm_shared::store::leads;

use crate::context::Ctx;

const QUEUE: QueueName = QueueName::Conversions;

/// Why a message can never be processed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Malformed {
    #[error("not an EventBridge event: {0}")]
    NotAnEvent(String),
    #[error("{detail_type} detail: {error}")]
    Detail { detail_type: String, error: String },
}

/// A conversion a message asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    pub tenant: String,
    pub lead_id: String,
    pub kind: ConversionKind,
    /// When the status changed (a capture's time is the lead's own).
    pub at: Option<DateTime<Utc>>,
}

/// The conversion a message asks for; `None` for events that are not conversions.
pub fn trigger(body: &str) -> Result<Option<Trigger>, Malformed> {
    let envelope: Envelope =
        serde_json::from_str(body).map_err(|e| Malformed::NotAnEvent(e.to_string()))?;
    let event = match envelope.event() {
        None => return Ok(None),
        Some(Ok(event)) => event,
        Some(Err(e)) => {
            return Err(Malformed::Detail {
                detail_type: envelope.detail_type,
                error: e.to_string(),
            })
        }
    };
    Ok(match event {
        Event::LeadCaptured(d) => Some(Trigger {
            tenant: d.tenant_id,
            lead_id: d.lead_id,
            kind: ConversionKind::Lead,
            at: None,
        }),
        Event::LeadStatusChanged(d) => ConversionKind::of_status(d.to).map(|kind| Trigger {
            tenant: d.tenant_id,
            lead_id: d.lead_id,
            kind,
            at: Some(d.at),
        }),
        _ => None,
    })
}

/// A message's event, ready to go to its tenant's pixel.
struct Ready {
    tenant: String,
    meta: MetaSettings,
    event: ConversionEvent,
}

/// An event to send and the messages (indices in the batch) that asked for it.
struct Pending {
    ready: Ready,
    messages: Vec<usize>,
}

/// Events to send by (tenant, pixel), each once by its event id.
type Outgoing = BTreeMap<(String, String), BTreeMap<String, Pending>>;

/// One batch: settles every message and reports those that must come back.
pub async fn consume(ctx: &Ctx, batch: Vec<Received>) -> BatchOutcome {
    let mut dispositions: Vec<Option<Disposition>> = Vec::with_capacity(batch.len());
    let mut outgoing = Outgoing::new();
    for (i, message) in batch.iter().enumerate() {
        match prepare(ctx, message).await {
            Ok(ready) => {
                dispositions.push(None);
                let group = outgoing
                    .entry((ready.tenant.clone(), ready.meta.pixel_id.clone()))
                    .or_default();
                group
                    .entry(ready.event.event_id.clone())
                    .or_insert_with(|| Pending {
                        ready,
                        messages: Vec::new(),
                    })
                    .messages
                    .push(i);
            }
            Err(done) => dispositions.push(Some(done)),
        }
    }
    for group in outgoing.into_values() {
        let pending: Vec<Pending> = group.into_values().collect();
        for chunk in requests(&pending) {
            let outcome = send_request(ctx, chunk).await;
            for p in chunk {
                for &i in &p.messages {
                    dispositions[i] = Some(outcome.clone());
                }
            }
        }
    }
    let mut outcome = BatchOutcome::default();
    for (message, disposition) in batch.iter().zip(dispositions) {
        let disposition = disposition.unwrap_or(Disposition::Done);
        if settle(ctx.queue.as_ref(), QUEUE, message, disposition).await {
            outcome.failed.push(message.message_id.clone());
        }
    }
    outcome
}

/// Sends one request (one pixel, at most 1,000 events) and marks its events sent.
async fn send_request(ctx: &Ctx, chunk: &[Pending]) -> Disposition {
    let Some(Pending { ready: first, .. }) = chunk.first() else {
        return Disposition::Done;
    };
    let events: Vec<ConversionEvent> = chunk.iter().map(|p| p.ready.event.clone()).collect();
    let access_token = match ctx
        .vault
        .open(&first.tenant, Purpose::Meta, &first.meta.access_token)
        .await
    {
        Ok(token) => token,
        // The key service down or throttled: the events wait and come back.
        Err(VaultError::Unavailable(why)) => return Disposition::Retry(why),
        Err(e @ VaultError::Unreadable(_)) => {
            tracing::error!(tenant = %first.tenant, error = %e, "Meta access token cannot be opened");
            return Disposition::Dead(format!("the Meta access token cannot be opened: {e}"));
        }
    };
    let to = Destination {
        pixel_id: &first.meta.pixel_id,
        access_token: &access_token,
        test_event_code: first.meta.test_event_code.as_deref(),
    };
    match ctx.capi.send(to, &events).await {
        Ok(received) => {
            tracing::info!(tenant = %first.tenant, pixel_id = %first.meta.pixel_id,
                events = events.len(), received, "conversion events sent");
            let now = ctx.clock.now();
            for Pending { ready, .. } in chunk {
                // The events are sent: a marker that fails to write costs at most a repeat,
                // which Meta deduplicates by the event id.
                if let Err(e) = conversions::mark_sent(
                    ctx.store.as_ref(),
                    &ready.tenant,
                    &ready.event.event_id,
                    now,
                )
                .await
                {
                    tracing::warn!(tenant = %ready.tenant, event_id = %ready.event.event_id,
                        error = %e, "sent marker not written");
                }
            }
            Disposition::Done
        }
        Err(CapiError::Rejected { status, reason }) => {
            tracing::error!(tenant = %first.tenant, pixel_id = %first.meta.pixel_id, status,
                events = events.len(), %reason, "conversion events refused");
            Disposition::Dead(format!("Meta refused the events (HTTP {status}): {reason}"))
        }
        Err(CapiError::Transient(reason)) => Disposition::Retry(reason),
    }
}

/// The event a message asks for, or what to do with the message instead.
async fn prepare(ctx: &Ctx, message: &Received) -> Result<Ready, Disposition> {
    let trigger = match trigger(&message.body) {
        Ok(Some(t)) => t,
        Ok(None) => return Err(Disposition::Done),
        Err(e) => return Err(Disposition::Dead(e.to_string())),
    };
    let store = ctx.store.as_ref();
    let settings = ctx
        .settings
        .get(store, &trigger.tenant)
        .await
        .map_err(retry)?;
    let Some(settings) = settings else {
        tracing::warn!(tenant = %trigger.tenant, lead_id = %trigger.lead_id, "conversion for an unknown tenant ignored");
        return Err(Disposition::Done);
    };
    let Some(meta) = settings.meta.clone() else {
        return Err(Disposition::Done);
    };
    let event_id = trigger.kind.event_id(&trigger.lead_id);
    if conversions::was_sent(store, &trigger.tenant, &event_id)
        .await
        .map_err(retry)?
    {
        tracing::info!(tenant = %trigger.tenant, %event_id, "conversion event already sent");
        return Err(Disposition::Done);
    }
    let Some(lead) = leads::get(store, &trigger.tenant, &trigger.lead_id)
        .await
        .map_err(retry)?
    else {
        tracing::info!(tenant = %trigger.tenant, lead_id = %trigger.lead_id, "lead gone; no conversion event");
        return Err(Disposition::Done);
    };
    let at = trigger.at.unwrap_or(lead.created_at);
    let now = ctx.clock.now();
    if is_too_old(at, now) {
        let dropped = DroppedEvent {
            event_id: event_id.clone(),
            event_name: trigger.kind.event_name().into(),
            lead_id: lead.id.clone(),
            event_time: at,
            reason: "older than 7 days: Meta refuses the whole request".into(),
            dropped_at: now,
        };
        conversions::record_dropped(store, &trigger.tenant, &dropped)
            .await
            .map_err(retry)?;
        tracing::warn!(tenant = %trigger.tenant, %event_id, event_name = trigger.kind.event_name(),
            event_time = %at, "conversion event too old; dropped");
        return Err(Disposition::Done);
    }
    let value = match trigger.kind {
        ConversionKind::Purchase => {
            Some(purchase_value(ctx, &settings, &lead).await.map_err(retry)?)
        }
        _ => None,
    };
    let occurrence = Occurrence {
        kind: trigger.kind,
        at,
        value,
        country: Some(settings.default_region.clone()),
    };
    Ok(Ready {
        tenant: trigger.tenant,
        meta,
        event: build_event(&lead, &occurrence),
    })
}

/// What a won lead was worth: its booking's paid amount, else the lead's expected value.
async fn purchase_value(
    ctx: &Ctx,
    settings: &TenantSettings,
    lead: &Lead,
) -> Result<Money, StoreError> {
    if let (Some(customer), Some(booking)) = (&lead.customer_id, &lead.converted_booking_id) {
        let booking =
            conversions::booking(ctx.store.as_ref(), &lead.tenant_id, customer, booking).await?;
        if let Some(b) = booking.filter(|b| b.paid_amount > 0) {
            return Ok(Money {
                minor: b.paid_amount,
                currency: b.currency.unwrap_or_else(|| settings.currency.clone()),
            });
        }
    }
    Ok(Money {
        minor: lead.expected_value,
        currency: settings.currency.clone(),
    })
}

fn retry(e: StoreError) -> Disposition {
    Disposition::Retry(format!("store: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(detail_type: &str, detail: serde_json::Value) -> String {
        serde_json::json!({"detail-type": detail_type, "source": "pipeline.crm", "detail": detail})
            .to_string()
    }

    #[test]
    fn captures_booked_and_won_are_conversions() {
        let captured = body(
            "lead.captured",
            serde_json::json!({"event_id": "lead.captured:L1", "tenant_id": "t1", "lead_id": "L1",
                "source": "meta_ad", "created_at": "2026-11-15T11:00:00Z"}),
        );
        assert_eq!(
            trigger(&captured),
            Ok(Some(Trigger {
                tenant: "t1".into(),
                lead_id: "L1".into(),
                kind: ConversionKind::Lead,
                at: None
            }))
        );
        let won = body(
            "lead.status_changed",
            serde_json::json!({"event_id": "e2", "tenant_id": "t1", "lead_id": "L1", "from": "booked",
                "to": "won", "actor": "system", "at": "2026-11-15T12:00:00Z"}),
        );
        assert_eq!(
            trigger(&won).map(|t| t.map(|t| t.kind)),
            Ok(Some(ConversionKind::Purchase))
        );
        let contacted = body(
            "lead.status_changed",
            serde_json::json!({"event_id": "e1", "tenant_id": "t1", "lead_id": "L1", "from": "new",
                "to": "contacted", "actor": "u1", "at": "2026-11-15T12:00:00Z"}),
        );
        assert_eq!(trigger(&contacted), Ok(None));
    }

    #[test]
    fn malformed_messages_say_why() {
        assert!(matches!(trigger("not json"), Err(Malformed::NotAnEvent(_))));
        let missing = body("lead.captured", serde_json::json!({"tenant_id": "t1"}));
        assert!(matches!(trigger(&missing), Err(Malformed::Detail { .. })));
    }
}
