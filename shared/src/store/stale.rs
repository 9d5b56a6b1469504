//! The hourly stale-lead job's access pattern (DESIGN §2.1, §4): it reads only the stale-due
//! index's buckets of the hours that have passed since it last finished one, never the leads.
//!
//! Open leads sit in GSI2 under `STALE#<hour they go stale>`. A run takes every whole hour
//! after its watermark up to the one before now, flags each lead of the bucket that is still
//! open (`leads::mark_stale`, a no-op for one already flagged, booked or closed), and moves
//! the watermark past the hour. A run cut short resumes at the first unfinished hour; a day
//! without runs is caught up by the next (at most `MAX_CATCH_UP_HOURS` at a time).

use chrono::{DateTime, Duration, DurationRound, Utc};
use serde_json::Value;

use crate::domain::lead::{Lead, StatusEvent};
use crate::ports::store::{Check, Cond, Item, Key, Query, Store, StoreError, Write, PK, SK};
use crate::store::keys::{self, STALE_INDEX};
use crate::store::leads::{self, LeadWriteError};

/// Where the job keeps the last hour it finished.
pub fn watermark_key() -> Key {
    Key::new("JOBS", "stale_leads")
}

/// How far back a first run (or one after a long outage) looks, in hours.
pub const MAX_CATCH_UP_HOURS: i64 = 24 * 14;

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

fn hour_of(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(Duration::hours(1)).unwrap_or(t)
}

async fn watermark(store: &dyn Store) -> Result<Option<DateTime<Utc>>, StoreError> {
    Ok(store
        .get(&watermark_key())
        .await?
        .and_then(|i| {
            i.get("done_through")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&Utc)))
}

/// Moves the watermark to `hour`, never backwards (a slower concurrent run cannot undo it).
async fn advance(store: &dyn Store, hour: DateTime<Utc>) -> Result<(), StoreError> {
    let key = watermark_key();
    let mut item = Item::new();
    item.insert(PK.into(), key.pk.into());
    item.insert(SK.into(), key.sk.into());
    let text = hour.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    item.insert("done_through".into(), text.clone().into());
    let write = Write::put(item).with_check(Check::new(
        "watermark",
        Cond::Or(vec![
            Cond::AttrNotExists("done_through".into()),
            Cond::Lt("done_through".into(), text.into()),
        ]),
    ));
    match store.write(write).await {
        Ok(()) | Err(StoreError::ConditionFailed("watermark")) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Flags the leads of every whole hour since the watermark; see the module.
pub async fn run(store: &dyn Store, now: DateTime<Utc>) -> Result<StaleRun, LeadWriteError> {
    let current = hour_of(now);
    let earliest = current - Duration::hours(MAX_CATCH_UP_HOURS);
    let mut hour = match watermark(store).await? {
        Some(done) => (done + Duration::hours(1)).max(earliest),
        None => earliest,
    };
    let mut out = StaleRun::default();
    while hour < current {
        let mut cursor = None;
        loop {
            let page = store
                .query(
                    &Query::new(STALE_INDEX, keys::stale_bucket(hour))
                        .limit(100)
                        .after(cursor),
                )
                .await?;
            out.read += page.items.len();
            for item in &page.items {
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
            match page.next {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        advance(store, hour).await?;
        out.hours += 1;
        hour += Duration::hours(1);
    }
    Ok(out)
}
