//! A new lead (DESIGN §2.1), captured from a landing page (`routes::public::capture`) or
//! entered by staff (`routes::leads::create`): stored with its phone claim, given its
//! "contact lead" follow-up task, and announced as `lead.captured`.

use chrono::{DateTime, Utc};
use crm_shared::domain::events::Event;
use crm_shared::domain::lead::Lead;
use crm_shared::domain::tenant::TenantSettings;
use crm_shared::ports::store::StoreError;
use crm_shared::store::leads::{self, Inserted};
use crm_shared::store::tasks;

use crate::context::Ctx;

/// Stores a new lead; when it is new (not the same phone again within the tenant's window),
/// opens its contact task and publishes `lead.captured`, the two at once (neither needs the
/// other, so the capture waits for one round trip instead of two).
pub async fn record_new_lead(
    ctx: &Ctx,
    settings: &TenantSettings,
    lead: &Lead,
    now: DateTime<Utc>,
) -> Result<Inserted, StoreError> {
    let inserted = leads::insert(
        ctx.store.as_ref(),
        lead,
        settings.stale_after_hours,
        settings.dedupe_window_hours,
        now,
    )
    .await?;
    if inserted == Inserted::Created {
        tokio::join!(
            open_contact_task(ctx, settings, lead),
            ctx.publish(vec![Event::lead_captured(lead)])
        );
    }
    Ok(inserted)
}

/// The follow-up a new lead gets: a "contact lead" task due one business hour after capture.
/// Best effort: written after the lead is durable, one put and no read; a failure is logged
/// and never fails the capture.
async fn open_contact_task(ctx: &Ctx, settings: &TenantSettings, lead: &Lead) {
    if let Err(e) = tasks::create_contact_task(ctx.store.as_ref(), lead, settings).await {
        tracing::error!(tenant = %lead.tenant_id, lead_id = %lead.id, error = %e,
            "contact task not written");
    }
}
