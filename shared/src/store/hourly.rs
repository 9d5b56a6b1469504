//! The walk every hourly job makes over an index of hour buckets (DESIGN §4, §5): the stale
//! leads (`STALE#<hour>`), the segment refresh (`DUE#seg#<hour>`) and the milestones
//! (`DUE#ms#<hour>`). A job reads only the buckets of the whole hours that have passed since
//! it last finished one, never the items themselves.
//!
//! Each job keeps a watermark (`JOBS` / job name, `done_through`: the last hour finished). A
//! run walks every whole hour after it up to the one before now, and moves the watermark past
//! each hour once its bucket is done. A run cut short (a timeout) resumes at the first
//! unfinished hour, redoing at most that hour's work, which the jobs make idempotent; a
//! stretch without runs is caught up by the next one, at most [`MAX_CATCH_UP_HOURS`] back.
//!
//! A job that acts at a time of day (the daily jobs, at 03:00 local) also walks the current
//! hour ([`Walk::with_current_hour`]), taking only its entries already due: work due at 03:00
//! is done by the run in the 03:00 hour, not an hour later. The current hour is not marked
//! done; the next run reads it again, where the entries already done have moved out.

use chrono::{DateTime, Duration, DurationRound, Utc};
use serde_json::Value;

use crate::ports::store::{Check, Cond, Index, Item, Key, Query, Store, StoreError, Write, PK, SK};
use crate::store::keys;

/// How far back a first run (or one after a long outage) looks, in hours.
pub const MAX_CATCH_UP_HOURS: i64 = 24 * 14;

/// Items of one bucket read per query.
const PAGE: u32 = 100;

/// Where job `job` keeps the last hour it finished.
pub fn watermark_key(job: &str) -> Key {
    keys::job_watermark(job)
}

/// The whole hour `t` falls in.
pub fn hour_of(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(Duration::hours(1)).unwrap_or(t)
}

/// `yyyy-mm-ddThh`, the hour part of a bucket's name.
pub fn hour_label(hour: DateTime<Utc>) -> String {
    hour.format("%Y-%m-%dT%H").to_string()
}

/// The last hour job `job` finished, if it ever did.
pub async fn watermark(store: &dyn Store, job: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
    Ok(store
        .get(&watermark_key(job))
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
pub async fn advance(store: &dyn Store, job: &str, hour: DateTime<Utc>) -> Result<(), StoreError> {
    let key = watermark_key(job);
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

/// One run's walk: the hours still to do, and what it read.
#[derive(Debug)]
pub struct Walk {
    job: &'static str,
    index: Index,
    next: DateTime<Utc>,
    current: DateTime<Utc>,
    /// The last hour this run walks: the one before now, or now's own.
    last: DateTime<Utc>,
    /// Hours whose buckets were finished.
    pub hours: usize,
    /// Index entries read.
    pub read: usize,
}

impl Walk {
    /// Starts job `job`'s walk over the buckets of `index` at `now`: from the hour after its
    /// watermark (or [`MAX_CATCH_UP_HOURS`] back) to the last whole hour before now.
    pub async fn start(
        store: &dyn Store,
        job: &'static str,
        index: Index,
        now: DateTime<Utc>,
    ) -> Result<Walk, StoreError> {
        let current = hour_of(now);
        let earliest = current - Duration::hours(MAX_CATCH_UP_HOURS);
        let next = match watermark(store, job).await? {
            Some(done) => (done + Duration::hours(1)).max(earliest),
            None => earliest,
        };
        Ok(Walk {
            job,
            index,
            next,
            current,
            last: current - Duration::hours(1),
            hours: 0,
            read: 0,
        })
    }

    /// Walks the current hour too (after the passed ones), without marking it done.
    pub fn with_current_hour(mut self) -> Self {
        self.last = self.current;
        self
    }

    /// The next hour to do, if any.
    pub fn hour(&self) -> Option<DateTime<Utc>> {
        (self.next <= self.last).then_some(self.next)
    }

    /// Whether the hour being walked is still going on (its entries may not all be due).
    pub fn in_current_hour(&self) -> bool {
        self.next >= self.current
    }

    /// Every entry of bucket `partition` (one hour's: small, so read whole).
    pub async fn bucket(
        &mut self,
        store: &dyn Store,
        partition: &str,
    ) -> Result<Vec<Item>, StoreError> {
        let mut out = Vec::new();
        let mut cursor = None;
        loop {
            let page = store
                .query(&Query::new(self.index, partition).limit(PAGE).after(cursor))
                .await?;
            self.read += page.items.len();
            out.extend(page.items);
            match page.next {
                Some(c) => cursor = Some(c),
                None => return Ok(out),
            }
        }
    }

    /// Records the hour walked as done (unless it is still going on) and moves on.
    pub async fn finish_hour(&mut self, store: &dyn Store) -> Result<(), StoreError> {
        if self.in_current_hour() {
            self.next += Duration::hours(1);
            return Ok(());
        }
        advance(store, self.job, self.next).await?;
        self.hours += 1;
        self.next += Duration::hours(1);
        Ok(())
    }
}
