//! A new lead (DESIGN §2.1), captured from a landing page (`routes::public::capture`) or
//! entered by staff (`routes::leads::create`): stored with its phone claim and its "contact
//! lead" follow-up task; `lead.captured` follows from the lead's change record.

use std::future::Future;

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

/// [`record_new_lead`] for a capture whose admission (the rate limit) is decided while the
/// phone is claimed: `admit` and the claim go out together, so a new phone's lead is written
/// after two round trips instead of three. Refused, nothing of the lead is kept (a claim
/// made for it is given up: it was unheld, so nobody's claim is lost) and the refusal comes
/// back. A phone already claimed takes [`record_new_lead`]'s way once admitted.
pub async fn record_admitted_lead<E: From<StoreError>>(
    ctx: &Ctx,
    settings: &TenantSettings,
    lead: &Lead,
    now: DateTime<Utc>,
    admit: impl Future<Output = Result<(), E>>,
) -> Result<Inserted, E> {
    let mut lead = lead.clone();
    open_contact_task(&mut lead, settings);
    let store = ctx.store.as_ref();
    let claim = leads::claim_if_unheld(store, &lead, settings.dedupe_window_hours, now);
    let (admitted, claimed) = tokio::join!(admit, claim);
    if let Err(refused) = admitted {
        if matches!(claimed, Ok(true)) {
            leads::give_up_claim(store, &lead).await;
        }
        return Err(refused);
    }
    Ok(if claimed? {
        leads::write_claimed(store, &lead, settings.stale_after_hours).await?
    } else {
        leads::insert(
            store,
            &lead,
            settings.stale_after_hours,
            settings.dedupe_window_hours,
            now,
        )
        .await?
    })
}
