//! `ingest_booking`: booking facts from the business's booking system, delivered by the
//! EventBridge rule on the `Booking*` detail-types (DESIGN §2.3, §5). The signed webhook
//! (`routes::hooks::bookings`) reads the same facts over HTTP; both call
//! `usecases::booking::apply`.

use crm_shared::domain::booking::{read_fact, BookingKind};
use crm_shared::domain::tenant::is_valid_tenant_id;
use crm_shared::domain::validation::FieldError;
use crm_shared::ports::bus::BOOKING_SOURCE;
use crm_shared::ports::store::StoreError;
use crm_shared::store::customers::IngestError;
use serde_json::Value;

use crate::context::Ctx;
use crate::usecases::booking::apply;

/// Why a delivered event could not be applied. Every variant fails the invocation, so
/// EventBridge's retries and then the function's dead-letter queue keep the event.
#[derive(Debug, thiserror::Error)]
pub enum ConsumeError {
    #[error("not a booking event: {0}")]
    NotABooking(String),
    #[error("booking fact from `{0}`, not from the platform's booking integrations")]
    UntrustedSource(String),
    #[error("unknown tenant {0}")]
    UnknownTenant(String),
    #[error("invalid booking fact: {0:?}")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One EventBridge event: `detail-type` names the fact, `detail` carries it with `tenant_id`.
pub async fn handle(ctx: &Ctx, event: Value) -> Result<(), ConsumeError> {
    let detail_type = event
        .get("detail-type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let kind = BookingKind::parse(detail_type)
        .ok_or_else(|| ConsumeError::NotABooking(detail_type.to_owned()))?;
    // The rule lets only this source through; should anything else arrive (a rule edited by
    // hand), it waits in the dead-letter queue rather than being believed.
    let source = event
        .get("source")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if source != BOOKING_SOURCE {
        return Err(ConsumeError::UntrustedSource(source.to_owned()));
    }
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
