//! `ingest_booking`: booking facts from the business's booking system, delivered by the
//! EventBridge rule on the `Booking*` detail-types (DESIGN §2.3, §5). The signed webhook
//! (`routes::booking_webhook`) reads the same facts over HTTP; both call
//! [`apply`], which calls the one domain function, `customers::ingest`.

use crm_shared::domain::booking::{read_fact, BookingFact, BookingKind, BookingStatus, Contact};
use crm_shared::domain::tenant::{is_valid_tenant_id, TenantSettings};
use crm_shared::domain::validation::FieldError;
use crm_shared::ports::bus::DomainEvent;
use crm_shared::ports::store::StoreError;
use crm_shared::store::customers::{self, IngestError, Ingested};
use serde_json::{json, Value};

use crate::context::Ctx;
use crate::messaging::{self, ReviewRequestError};

/// Why a delivered event could not be applied. Every variant fails the invocation, so
/// EventBridge's retries and then the function's dead-letter queue keep the event.
#[derive(Debug, thiserror::Error)]
pub enum ConsumeError {
    #[error("not a booking event: {0}")]
    NotABooking(String),
    #[error("unknown tenant {0}")]
    UnknownTenant(String),
    #[error("invalid booking fact: {0:?}")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Applies a fact and publishes what it caused (`milestone.reached`, `lead.status_changed`).
pub async fn apply(
    ctx: &Ctx,
    settings: &TenantSettings,
    fact: &BookingFact,
    contact: &Contact,
) -> Result<Ingested, IngestError> {
    let tenant = &settings.tenant_id;
    let ingested =
        customers::ingest(ctx.store.as_ref(), settings, fact, contact, ctx.clock.now()).await?;
    if let Ingested::Applied {
        customer,
        milestones,
        lead,
        lead_events,
        booking,
    } = &ingested
    {
        if fact.kind == BookingKind::BookingCompleted && booking.status == BookingStatus::Completed
        {
            ask_for_review(ctx, settings, customer, &booking.booking_id).await;
        }
        tracing::info!(
            tenant = %tenant,
            customer_id = %customer.id,
            booking_id = %fact.booking_id,
            version = fact.version,
            kind = fact.kind.as_str(),
            lead = ?lead,
            "booking fact applied"
        );
        let moved = lead_events.iter().map(|event| {
            DomainEvent::new(
                "lead.status_changed",
                json!({
                    "event_id": format!("lead.status_changed:{}", event.id),
                    "tenant_id": tenant,
                    "lead_id": event.lead_id,
                    "from": event.from,
                    "to": event.to,
                    "actor": event.actor,
                    "at": event.at,
                }),
            )
        });
        let events = milestones
            .iter()
            .map(|m| {
                DomainEvent::new(
                    "milestone.reached",
                    json!({
                        "event_id": format!("milestone.reached:{}:{}", customer.id, m.as_str()),
                        "tenant_id": tenant,
                        "customer_id": customer.id,
                        "milestone": m,
                    }),
                )
            })
            .chain(moved)
            .collect::<Vec<_>>();
        if !events.is_empty() {
            ctx.publish(events).await;
        }
    }
    Ok(ingested)
}

/// Queues the visit's review request, due the tenant's delay after now. Best effort: the
/// fact is applied whatever happens here, and a message that exists is not queued twice.
async fn ask_for_review(
    ctx: &Ctx,
    settings: &TenantSettings,
    customer: &customers::Customer,
    booking_id: &str,
) {
    let due = ctx.clock.now() + chrono::Duration::minutes(i64::from(settings.review_delay_minutes));
    match messaging::request_review(ctx, settings, customer, Some(booking_id), due, "system").await
    {
        Ok(_) | Err(ReviewRequestError::NoPhone | ReviewRequestError::TooSoon(_)) => {}
        Err(e) => tracing::error!(tenant = %settings.tenant_id, customer_id = %customer.id,
            error = %e, "review request not queued"),
    }
}

/// One EventBridge event: `detail-type` names the fact, `detail` carries it with `tenant_id`.
pub async fn handle(ctx: &Ctx, event: Value) -> Result<(), ConsumeError> {
    let detail_type = event
        .get("detail-type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let kind = BookingKind::parse(detail_type)
        .ok_or_else(|| ConsumeError::NotABooking(detail_type.to_owned()))?;
    let detail = event
        .get("detail")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let tenant = detail
        .get("tenant_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if !is_valid_tenant_id(&tenant) {
        return Err(ConsumeError::UnknownTenant(tenant));
    }
    let settings = ctx
        .settings
        .get(ctx.store.as_ref(), &tenant)
        .await?
        .ok_or_else(|| ConsumeError::UnknownTenant(tenant.clone()))?;
    let (fact, contact) =
        read_fact(&detail, Some(kind), &settings.default_region).map_err(ConsumeError::Invalid)?;
    match apply(ctx, &settings, &fact, &contact).await {
        Ok(_) => Ok(()),
        Err(IngestError::Store(e)) => Err(e.into()),
        Err(IngestError::NoContact) => Err(ConsumeError::Invalid(vec![FieldError {
            field: "customer".into(),
            reason: "needs a phone or an email (or give lead_id)".into(),
        }])),
    }
}
