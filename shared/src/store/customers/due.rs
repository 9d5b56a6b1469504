//! The index of due work (DESIGN §4): GSI2, one partition per kind of work and UTC hour,
//! `DUE#seg#yyyy-mm-ddThh` (the segment refresh) and `DUE#ms#yyyy-mm-ddThh` (the milestones).
//!
//! A customer whose classification will change by time alone has a `DUE#seg` item, and one
//! with a daily milestone ahead a `DUE#milestones` item, each filed under the hour of the
//! first 03:00 in the tenant's zone at or after the instant it falls due: the daily jobs act
//! at 03:00 local time, which is a different UTC hour for each zone, so they run hourly and
//! read only the hours that have passed (`store::hourly`).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::Value;

use super::Customer;
use crate::domain::customer::daily_job_time;
use crate::domain::hours;
use crate::ports::store::{table, Index, Item, Key, Query, Store, StoreError, Write, PK, SK};
use crate::store::{hourly, keys};

/// The due-work index (shared with the stale-lead index: the partitions differ).
pub const DUE_INDEX: Index = Index::Gsi(2);

/// A kind of due work, each with its own item per customer and its own buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueKind {
    /// Segment, tags, stage changing by time alone (`segment_refresh`).
    Segment,
    /// Anniversaries and VIP status (`milestones`).
    Milestones,
}

impl DueKind {
    /// The name of its item in the customer's partition.
    fn item_name(self) -> &'static str {
        match self {
            DueKind::Segment => "seg",
            DueKind::Milestones => "milestones",
        }
    }

    fn bucket_tag(self) -> &'static str {
        match self {
            DueKind::Segment => "seg",
            DueKind::Milestones => "ms",
        }
    }

    /// The customer's due instant of this kind.
    pub fn of(self, c: &Customer) -> Option<DateTime<Utc>> {
        match self {
            DueKind::Segment => c.next_change,
            DueKind::Milestones => c.next_milestone,
        }
    }
}

/// The bucket (GSI2 partition) of work of `kind` acted on in `hour`.
pub fn due_bucket(kind: DueKind, hour: DateTime<Utc>) -> String {
    keys::due_bucket(kind.bucket_tag(), &hourly::hour_label(hour))
}

/// The hour work due at `at` is acted on: the first 03:00 in `tz` at or after it.
pub fn due_hour(at: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    hourly::hour_of(hours::next_local_time(at, tz, daily_job_time()))
}

pub fn due_key(tenant: &str, id: &str, kind: DueKind) -> Key {
    keys::due_key(tenant, id, kind.item_name())
}

/// The write that files a customer's work of `kind` due at `next` (in the tenant's zone
/// `tz`) under its hour, or takes it out when none is ahead.
pub(crate) fn due_write(
    tenant: &str,
    id: &str,
    kind: DueKind,
    next: Option<DateTime<Utc>>,
    tz: Tz,
) -> Write {
    let key = due_key(tenant, id, kind);
    match next {
        Some(at) => {
            let hour = due_hour(at, tz);
            let mut item = Item::new();
            item.insert(PK.into(), key.pk.clone().into());
            item.insert(SK.into(), key.sk.into());
            item.insert("tenant_id".into(), tenant.into());
            item.insert("customer_id".into(), id.into());
            item.insert("due_at".into(), at.to_rfc3339().into());
            if let Index::Gsi(n) = DUE_INDEX {
                item.insert(table::gsi_pk(n), due_bucket(kind, hour).into());
                item.insert(table::gsi_sk(n), key.pk.into());
            }
            Write::put(item)
        }
        None => Write::Delete { key, check: None },
    }
}

/// The due-item writes a change of `before` into `after` needs (none when neither due
/// instant moved); `before` none: a new customer.
pub(crate) fn due_writes(
    tenant: &str,
    before: Option<&Customer>,
    after: &Customer,
    tz: Tz,
) -> Vec<Write> {
    [DueKind::Segment, DueKind::Milestones]
        .into_iter()
        .filter(|kind| match before {
            None => kind.of(after).is_some(),
            Some(b) => kind.of(b) != kind.of(after),
        })
        .map(|kind| due_write(tenant, &after.id, kind, kind.of(after), tz))
        .collect()
}

/// One entry of a due bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub tenant_id: String,
    pub customer_id: String,
    pub due_at: String,
}

impl Due {
    /// When the work falls due.
    pub fn at(&self) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(&self.due_at)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    pub fn of(item: &Item) -> Option<Due> {
        let text = |k: &str| item.get(k).and_then(Value::as_str).map(str::to_owned);
        Some(Due {
            tenant_id: text("tenant_id")?,
            customer_id: text("customer_id")?,
            due_at: text("due_at").unwrap_or_default(),
        })
    }
}

/// Every customer filed under `kind`'s bucket of `hour` (every tenant's).
pub async fn due_in(
    store: &dyn Store,
    kind: DueKind,
    hour: DateTime<Utc>,
) -> Result<Vec<Due>, StoreError> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .query(
                &Query::new(DUE_INDEX, due_bucket(kind, hourly::hour_of(hour)))
                    .limit(100)
                    .after(cursor),
            )
            .await?;
        out.extend(page.items.iter().filter_map(Due::of));
        match page.next {
            Some(c) => cursor = Some(c),
            None => return Ok(out),
        }
    }
}
