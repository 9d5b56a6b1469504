//! What the daily jobs do to one due customer (DESIGN §2.2): classify again at 03:00 local
//! (segment refresh), award the anniversaries and VIP status (milestones). Each is one
//! version-guarded transaction of the customer, its timeline entries and its next due item,
//! retried on a collision; a customer with nothing due is left alone (no write), so running
//! a job twice changes nothing the second time.

use chrono::{DateTime, Utc};

use super::*;
use crate::domain::customer::{daily_milestones, Milestone};
use crate::domain::hours::zone;
use crate::domain::tenant::TenantSettings;
use crate::domain::timeline::{milestone_entry, Entry};
use crate::ports::store::{Store, StoreError};
use crate::store::retry::{self, optimistically, Attempt};

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
/// search items; `Collided`: another change came first (read again and retry).
async fn commit_job_change(
    store: &dyn Store,
    settings: &TenantSettings,
    before: &Customer,
    after: &Customer,
    entries: Vec<Entry>,
    now: DateTime<Utc>,
) -> Result<Attempt<()>, StoreError> {
    let tz = zone(&settings.time_zone);
    let writes = customer_writes(&settings.tenant_id, Some(before), after, tz, entries, now)?;
    retry::commit(store, writes, &["customer_version"]).await
}

/// Classifies customer `id` again at `now` (the same rule as a booking fact) and files its
/// next change; `None` when nothing changed (already refreshed, or gone).
pub async fn refresh_segment(
    store: &dyn Store,
    settings: &TenantSettings,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<Refreshed>, StoreError> {
    optimistically(|| async move {
        let Some(before) = get(store, &settings.tenant_id, id).await? else {
            return Ok(Attempt::Done(None));
        };
        let mut after = before.clone();
        let changes = reclassify(&mut after, &settings.thresholds, now);
        if after == before {
            return Ok(Attempt::Done(None));
        }
        after.version = before.version + 1;
        after.updated_at = now;
        let entries = changes.entries();
        Ok(
            commit_job_change(store, settings, &before, &after, entries, now)
                .await?
                .map(|()| {
                    Some(Refreshed {
                        customer: after,
                        changes,
                    })
                }),
        )
    })
    .await
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
    optimistically(|| async move {
        let Some(before) = get(store, &settings.tenant_id, id).await? else {
            return Ok(Attempt::Done(None));
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
            return Ok(Attempt::Done(None));
        }
        after.version = before.version + 1;
        after.updated_at = now;
        let entries = reached.iter().map(|m| milestone_entry(*m)).collect();
        Ok(
            commit_job_change(store, settings, &before, &after, entries, now)
                .await?
                .map(|()| {
                    Some(Awarded {
                        customer: after,
                        milestones: reached,
                    })
                }),
        )
    })
    .await
}
