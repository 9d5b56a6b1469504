//! The daily customer jobs' access pattern (DESIGN §2.2, §4, §5): the segment refresh and
//! the milestones act at 03:00 in each tenant's zone, so they run hourly and read only their
//! due buckets of the hours passed since their watermark ([`hourly::Walk`]: resumable,
//! catching up missed days), never the customers: `DUE#seg#<hour>` and `DUE#ms#<hour>`.
//! They walk the current hour too, taking the work already due, so a customer due at 03:00
//! local changes in the run of that hour.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::domain::tenant::TenantSettings;
use crate::ports::store::{Store, StoreError};
use crate::store::customers::{self, Awarded, Due, DueKind, Refreshed, DUE_INDEX};
use crate::store::hourly::Walk;
use crate::store::tenants;

/// The segment refresh's name (its watermark's key).
pub const SEGMENT_REFRESH: &str = "segment_refresh";
/// The milestone job's name.
pub const MILESTONES: &str = "milestones";

/// What one run did.
#[derive(Debug, Default)]
pub struct DailyRun<T> {
    /// Hours whose buckets were finished.
    pub hours: usize,
    /// Index entries read.
    pub read: usize,
    /// The customers it changed.
    pub changed: Vec<T>,
}

/// Settings of the tenants met in one run, read once each.
#[derive(Default)]
struct Tenants(HashMap<String, Option<TenantSettings>>);

impl Tenants {
    async fn get(
        &mut self,
        store: &dyn Store,
        tenant: &str,
    ) -> Result<Option<&TenantSettings>, StoreError> {
        if !self.0.contains_key(tenant) {
            let settings = tenants::get(store, tenant).await?;
            self.0.insert(tenant.to_owned(), settings);
        }
        Ok(self.0.get(tenant).and_then(Option::as_ref))
    }
}

/// What a job does to one due customer, boxed (`async fn` pointers are not nameable).
type ActFuture<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Option<T>, StoreError>> + Send + 'a>>;

/// Walks `kind`'s buckets for job `job` and applies `act` to each due customer.
async fn walk<T>(
    store: &dyn Store,
    job: &'static str,
    kind: DueKind,
    now: DateTime<Utc>,
    act: for<'a> fn(&'a dyn Store, &'a TenantSettings, &'a str, DateTime<Utc>) -> ActFuture<'a, T>,
) -> Result<DailyRun<T>, StoreError> {
    let mut walk = Walk::start(store, job, DUE_INDEX, now)
        .await?
        .with_current_hour();
    let mut tenants = Tenants::default();
    let mut changed = Vec::new();
    while let Some(hour) = walk.hour() {
        let bucket = customers::due_bucket(kind, hour);
        for item in walk.bucket(store, &bucket).await? {
            let Some(due) = Due::of(&item) else { continue };
            if walk.in_current_hour() && due.at().is_none_or(|at| at > now) {
                continue;
            }
            let Some(settings) = tenants.get(store, &due.tenant_id).await? else {
                tracing::warn!(tenant = %due.tenant_id, job, "due work of an unknown tenant");
                continue;
            };
            if let Some(done) = act(store, settings, &due.customer_id, now).await? {
                changed.push(done);
            }
        }
        walk.finish_hour(store).await?;
    }
    Ok(DailyRun {
        hours: walk.hours,
        read: walk.read,
        changed,
    })
}

/// Reclassifies every customer due since the last run (see the module).
pub async fn segment_refresh(
    store: &dyn Store,
    now: DateTime<Utc>,
) -> Result<DailyRun<Refreshed>, StoreError> {
    walk(
        store,
        SEGMENT_REFRESH,
        DueKind::Segment,
        now,
        |s, t, id, now| Box::pin(customers::refresh_segment(s, t, id, now)),
    )
    .await
}

/// Awards the anniversaries and VIP status due since the last run (see the module).
pub async fn milestones(
    store: &dyn Store,
    now: DateTime<Utc>,
) -> Result<DailyRun<Awarded>, StoreError> {
    walk(
        store,
        MILESTONES,
        DueKind::Milestones,
        now,
        |s, t, id, now| Box::pin(customers::award_daily_milestones(s, t, id, now)),
    )
    .await
}
