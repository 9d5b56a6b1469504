//! Applying a booking fact (DESIGN §2.3), from either entrance: the EventBridge consumer
//! (`workers::ingest_booking`) or the signed webhook (`routes::hooks::bookings`). The fact
//! moves the customer and the lead it converts (their change records report what it caused),
//! and a completed visit asks for a review.

use crm_shared::domain::booking::{BookingFact, BookingKind, BookingStatus, Contact};
use crm_shared::domain::tenant::TenantSettings;
use crm_shared::store::customers::{self, IngestError, Ingested};

use crate::context::Ctx;
use crate::usecases::messaging::{self, ReviewRequestError};

/// Applies a fact. What it caused (`lead.status_changed`, `milestone.reached`) goes out from
/// the change records of what it wrote (`crm_shared::store::stream`).
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
        milestones: _,
        lead,
        lead_events: _,
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
    }
    Ok(ingested)
}

/// Queues the visit's review request, due the tenant's delay after now. Best effort: the
/// fact is applied whatever happens here, and a message that exists is not queued twice.
async fn ask_for_review(
    ctx: &Ctx,
    settings: &TenantSettings,
    customer: &crm_shared::domain::customer::Customer,
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
