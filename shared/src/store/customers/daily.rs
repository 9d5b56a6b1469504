//! What the daily jobs do to one due customer (DESIGN §2.2): classify again at 03:00 local
//! (segment refresh), award the anniversaries and VIP status (milestones). Each is one
//! version-guarded transaction of the customer, its timeline entries and its next due item,
//! retried on a collision; a customer with nothing due is left alone (no write), so running
//! a job twice changes nothing the second time.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::*;
use crate::domain::customer::{daily_milestones, Milestone};
use crate::domain::hours::zone;
use crate::domain::tenant::TenantSettings;
use crate::ports::store::{Check, Cond, Store, StoreError, Write};

/// A customer the segment refresh changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Refreshed {
    pub customer: Customer,
    pub changes: Reclassified,
}

/// Daily milestones awarded to a customer.
#[derive(Debug, Clone, PartialEq)]
pub struct Awarded {
    pub customer: Customer,
    pub milestones: Vec<Milestone>,
}

/// Commits `after` over `before` with the timeline entries, the due items that moved and the
/// search items; `Ok(false)`: another change came first (read again and retry).
async fn commit_job_change(
    store: &dyn Store,
    settings: &TenantSettings,
    before: &Customer,
    after: &Customer,
    entries: Vec<(&'static str, String, serde_json::Value)>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let tenant = settings.tenant_id.as_str();
    let mut writes = vec![
        Write::put(customer_item(tenant, after)?).with_check(Check::new(
            "customer_version",
            Cond::Eq("version".into(), before.version.into()),
        )),
    ];
    writes.extend(due_writes(
        tenant,
        Some(before),
        after,
        zone(&settings.time_zone),
    ));
    writes.extend(token_writes(
        tenant,
        &after.id,
        &search_tokens(before),
        &search_tokens(after),
    ));
    for (kind, text, data) in entries {
        writes.push(timeline_write(tenant, &after.id, kind, text, data, now)?.0);
    }
    match store.transact(writes).await {
        Ok(()) => Ok(true),
        Err(StoreError::ConditionFailed("customer_version")) => Ok(false),
        Err(e) if e.is_retryable() => Ok(false),
        Err(e) => Err(e),
    }
}

/// Classifies customer `id` again at `now` (the same rule as a booking fact) and files its
/// next change; `None` when nothing changed (already refreshed, or gone).
pub async fn refresh_segment(
    store: &dyn Store,
    settings: &TenantSettings,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<Refreshed>, StoreError> {
    for _ in 0..MAX_ATTEMPTS {
        let Some(before) = get(store, &settings.tenant_id, id).await? else {
            return Ok(None);
        };
        let mut after = before.clone();
        let changes = reclassify(&mut after, &settings.thresholds, now);
        if after == before {
            return Ok(None);
        }
        after.version = before.version + 1;
        after.updated_at = now;
        if commit_job_change(store, settings, &before, &after, changes.entries(), now).await? {
            return Ok(Some(Refreshed {
                customer: after,
                changes,
            }));
        }
    }
    Err(StoreError::Conflict)
}

/// Awards customer `id` the daily milestones reached at `now` (each once) and files the next
/// one (none after the 2-year anniversary); `None` when none was due.
pub async fn award_daily_milestones(
    store: &dyn Store,
    settings: &TenantSettings,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<Awarded>, StoreError> {
    let tz = zone(&settings.time_zone);
    for _ in 0..MAX_ATTEMPTS {
        let Some(before) = get(store, &settings.tenant_id, id).await? else {
            return Ok(None);
        };
        let mut after = before.clone();
        let (reached, _) = daily_milestones(
            after.member_since,
            &after.totals,
            after.tier,
            &after.milestones,
            tz,
            now,
        );
        after.milestones.extend(reached.iter().copied());
        after.next_milestone = milestone_due(&after, tz, now);
        if after == before {
            return Ok(None);
        }
        after.version = before.version + 1;
        after.updated_at = now;
        let entries = reached
            .iter()
            .map(|m| {
                (
                    "milestone",
                    format!("Milestone reached: {}", m.as_str()),
                    json!({"milestone": m}),
                )
            })
            .collect();
        if commit_job_change(store, settings, &before, &after, entries, now).await? {
            return Ok(Some(Awarded {
                customer: after,
                milestones: reached,
            }));
        }
    }
    Err(StoreError::Conflict)
}
