//! A new lead (DESIGN §2.1), captured from a landing page (`routes::public::capture`) or
//! entered by staff (`routes::leads::create`): stored with its phone claim and its "contact
//! lead" follow-up task; `lead.captured` follows from the lead's change record.

use chrono::{DateTime, Utc};
use crm_shared::domain::lead::Lead;
use crm_shared::domain::task::open_contact_task;
use crm_shared::domain::tenant::TenantSettings;
use crm_shared::ports::store::StoreError;
use crm_shared::store::leads::{self, Inserted};

use crate::context::Ctx;

/// Stores a new lead with its contact task (due one business hour after capture, kept on
/// the lead's item), unless the same phone came within the tenant's window. Its
/// `lead.captured` goes out from the lead's own change record (`crm_shared::store::stream`):
/// nothing is published here, so a crash after the write cannot lose it.
pub async fn record_new_lead(
    ctx: &Ctx,
    settings: &TenantSettings,
    lead: &Lead,
    now: DateTime<Utc>,
) -> Result<Inserted, StoreError> {
    let mut lead = lead.clone();
    open_contact_task(&mut lead, settings);
    leads::insert(
        ctx.store.as_ref(),
        &lead,
        settings.stale_after_hours,
        settings.dedupe_window_hours,
        now,
    )
    .await
}
