//! The hourly stale-lead job's access pattern (DESIGN §2.1, §4): it reads only the stale-due
//! index's buckets of the hours that have passed since it last finished one, never the leads.
//!
//! Open leads sit in GSI2 under `STALE#<hour they go stale>`. A run walks the hours since its
//! watermark ([`hourly::Walk`]: resumable, catching up) and flags each lead of the bucket that
//! is still open (`leads::mark_stale`, a no-op for one already flagged, booked or closed).

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::domain::lead::{Lead, StatusEvent};
use crate::store::hourly::{self, Walk};
use crate::store::keys::{self, STALE_INDEX};
use crate::store::leads::{self, LeadWriteError};

/// The job's name (its watermark's key).
pub const JOB: &str = "stale_leads";

/// Where the job keeps the last hour it finished.
pub fn watermark_key() -> crate::ports::store::Key {
    hourly::watermark_key(JOB)
}

pub use hourly::MAX_CATCH_UP_HOURS;

/// What one run did.
#[derive(Debug, Default)]
pub struct StaleRun {
    /// Hours whose buckets were finished.
    pub hours: usize,
    /// Index entries read.
    pub read: usize,
    /// Leads flagged, with their events (for `lead.stale`).
    pub flagged: Vec<(Lead, StatusEvent)>,
}

/// Flags the leads of every whole hour since the watermark; see the module.
pub async fn run(
    store: &dyn crate::ports::store::Store,
    now: DateTime<Utc>,
) -> Result<StaleRun, LeadWriteError> {
    let mut walk = Walk::start(store, JOB, STALE_INDEX, now).await?;
    let mut out = StaleRun::default();
    while let Some(hour) = walk.hour() {
        for item in walk.bucket(store, &keys::stale_bucket(hour)).await? {
            let Some(member) = item.get("GSI2SK").and_then(Value::as_str) else {
                continue;
            };
            let Some((tenant, id)) = keys::parse_stale_member(member) else {
                continue;
            };
            if let Some(flagged) = leads::mark_stale(store, tenant, id, now).await? {
                out.flagged.push(flagged);
            }
        }
        walk.finish_hour(store).await?;
    }
    out.hours = walk.hours;
    out.read = walk.read;
    Ok(out)
}
