//! Lead counters, counted exactly once and outside the capture transaction.
//!
//! Captures never touch a counter: one hot item in every capture transaction would make
//! concurrent captures collide. Instead the lead partition is ordered by ULID (creation
//! time), and `count_new_leads` advances a watermark over it. Counters live in one item per
//! month (`M#yyyy-mm`: leads, leads by source, the expected value they arrived with, won
//! leads, and the month's watermark: the last lead of the month counted). A run reads the
//! leads after the newest watermark (and at least `COUNT_LAG` old), and adds each month's
//! share to its item with one conditional update guarded by that month's watermark: a
//! retried, concurrent or crashed run counts each lead exactly once, and a run costs one
//! plain (non-transactional) write per month it touches. Readers add the leads past the
//! watermark themselves, so answers are exact before the job runs.
//!
//! Status changes and edits keep their deltas in the `BOARD` item, inside their own
//! transactions (people, not ad traffic, make those).
//!
//! `COUNT_LAG` covers the time between a lead's id being minted and its transaction
//! committing: `leads::insert` gives up retrying long before it (see `retry::MAX_ATTEMPTS`).

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};
use serde_json::Value;

use crate::domain::analytics::{self, ColumnTotals, LeadAnalytics, LeadCounts};
use crate::domain::lead::{Lead, LeadStatus};
use crate::ports::store::{
    Check, Cond, Index, Item, Key, Query, SkCond, Store, StoreError, Update, Write,
};
use crate::store::keys;

/// Prefix of a month item's won-by-source counters (`won_src_meta_ad`), added by the status
/// change that wins a lead.
pub const WON_BY_SOURCE: &str = "won_src_";

/// Leads younger than this are left for the next run (see the module docs).
pub const COUNT_LAG: chrono::Duration = chrono::Duration::seconds(60);
/// Leads read per counting step.
const COUNT_BATCH: u32 = 200;

fn month_key(tenant: &str, month: &str) -> Key {
    Key::new(keys::stats_pk(tenant), keys::stats_month_sk(month))
}

fn watermark_of(item: &Item) -> Option<&str> {
    item.get("watermark").and_then(Value::as_str)
}

/// Every month item of a tenant, by `yyyy-mm` (one query: O(months)).
async fn month_items(
    store: &dyn Store,
    tenant: &str,
) -> Result<BTreeMap<String, Item>, StoreError> {
    let mut out = BTreeMap::new();
    let mut cursor = None;
    loop {
        let page = store
            .query(
                &Query::new(Index::Primary, keys::stats_pk(tenant))
                    .sk(SkCond::BeginsWith(keys::STATS_MONTH_PREFIX.into()))
                    .limit(500)
                    .after(cursor),
            )
            .await?;
        for item in page.items {
            if let Some(month) = item
                .get("SK")
                .and_then(Value::as_str)
                .and_then(|sk| sk.strip_prefix(keys::STATS_MONTH_PREFIX))
            {
                out.insert(month.to_owned(), item.clone());
            }
        }
        match page.next {
            Some(c) => cursor = Some(c),
            None => return Ok(out),
        }
    }
}

/// The newest watermark of all months: every lead up to it is counted.
fn global_watermark(months: &BTreeMap<String, Item>) -> Option<String> {
    months
        .values()
        .filter_map(watermark_of)
        .max()
        .map(str::to_owned)
}

/// Leads after the watermark, up to `upto` (inclusive), oldest first, each with the expected
/// value it was created with: a lead is counted as it was created, since edits made before
/// it was counted already moved the board's value by their difference.
async fn leads_after(
    store: &dyn Store,
    tenant: &str,
    watermark: Option<&str>,
    upto: Option<String>,
    limit: u32,
    cursor: Option<crate::ports::store::Cursor>,
) -> Result<(Vec<(Lead, i64)>, Option<crate::ports::store::Cursor>), StoreError> {
    // ULIDs are 26 Crockford base32 characters, all above '!': `W!` sorts after W and
    // before every longer-valued ULID, so `>= W!` is `> W`.
    let lo = watermark.map(|w| format!("{w}!"));
    let sk = match (lo, upto) {
        (Some(lo), Some(hi)) => SkCond::Between(lo, hi),
        (Some(lo), None) => SkCond::Ge(lo),
        (None, Some(hi)) => SkCond::Le(hi),
        (None, None) => SkCond::All,
    };
    let page = store
        .query(
            &Query::new(Index::Primary, keys::leads_pk(tenant))
                .sk(sk)
                .limit(limit)
                .after(cursor),
        )
        .await?;
    let leads = page
        .items
        .iter()
        .map(|i| {
            let initial = i.get("initial_value").and_then(Value::as_i64).unwrap_or(0);
            crate::store::leads::codec::lead_from_item(i).map(|l| (l, initial))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((leads, page.next))
}

/// What a set of newly counted leads adds to the counters.
#[derive(Debug, Default)]
struct Tally {
    all: LeadCounts,
    months: BTreeMap<String, LeadCounts>,
    new_value: i64,
}

impl Tally {
    fn add(&mut self, lead: &Lead, initial_value: i64) {
        let one = LeadCounts {
            leads: 1,
            won: 0,
            by_source: [(lead.source.as_str().to_owned(), 1)].into(),
            won_by_source: BTreeMap::new(),
        };
        self.all.add(&one);
        self.months
            .entry(keys::month_of(lead.created_at))
            .or_default()
            .add(&one);
        self.new_value += initial_value;
    }
}

fn counts_update(counts: &LeadCounts) -> Update {
    let mut u = Update::default().add("leads", counts.leads);
    for (source, n) in &counts.by_source {
        u = u.add(format!("src_{source}"), *n);
    }
    u
}

fn counts_from(item: &Item) -> LeadCounts {
    let mut c = LeadCounts {
        leads: item.get("leads").and_then(Value::as_i64).unwrap_or(0),
        won: item.get("won").and_then(Value::as_i64).unwrap_or(0),
        by_source: BTreeMap::new(),
        won_by_source: BTreeMap::new(),
    };
    for (k, v) in item {
        if let (Some(source), Some(n)) = (k.strip_prefix("src_"), v.as_i64()) {
            c.by_source.insert(source.to_owned(), n);
        } else if let (Some(source), Some(n)) = (k.strip_prefix(WON_BY_SOURCE), v.as_i64()) {
            c.won_by_source.insert(source.to_owned(), n);
        }
    }
    c
}

/// Counts the leads captured since the last run (at least `COUNT_LAG` old). Returns how
/// many were counted. Safe to run concurrently, repeatedly, or after a crash.
pub async fn count_new_leads(
    store: &dyn Store,
    tenant: &str,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let bound_ms = u64::try_from((now - COUNT_LAG).timestamp_millis()).unwrap_or(0);
    let upto = ulid::Ulid::from_parts(bound_ms, u128::MAX).to_string();
    let mut counted = 0;
    let mut collisions = 0;
    'runs: loop {
        let months = month_items(store, tenant).await?;
        let watermark = global_watermark(&months);
        let (leads, _) = leads_after(
            store,
            tenant,
            watermark.as_deref(),
            Some(upto.clone()),
            COUNT_BATCH,
            None,
        )
        .await?;
        if leads.is_empty() {
            return Ok(counted);
        }
        let caught_up = leads.len() < COUNT_BATCH as usize;
        // Oldest month first: a crash between months leaves the newest watermark on the
        // last month fully counted, where the next run carries on.
        let mut by_month: BTreeMap<String, (Tally, String)> = BTreeMap::new();
        for (lead, initial) in &leads {
            let entry = by_month
                .entry(keys::month_of(lead.created_at))
                .or_insert_with(|| (Tally::default(), String::new()));
            entry.0.add(lead, *initial);
            entry.1.clone_from(&lead.id);
        }
        for (month, (tally, last)) in by_month {
            let previous = months.get(&month).and_then(watermark_of).map(str::to_owned);
            let check = Check::new(
                "watermark",
                match previous {
                    Some(w) => Cond::Eq("watermark".into(), w.into()),
                    None => Cond::AttrNotExists("watermark".into()),
                },
            );
            let write = Write::Update {
                key: month_key(tenant, &month),
                update: counts_update(&tally.all)
                    .add("new_value", tally.new_value)
                    .set("watermark", last),
                check: Some(check),
            };
            match store.write(write).await {
                Ok(()) => counted += usize::try_from(tally.all.leads).unwrap_or(0),
                // Another run moved this month on, or collided with us: start again from
                // the watermarks as they are now.
                Err(StoreError::ConditionFailed("watermark") | StoreError::Conflict)
                    if collisions < 10 =>
                {
                    collisions += 1;
                    continue 'runs;
                }
                Err(e) => return Err(e),
            }
        }
        if caught_up {
            return Ok(counted);
        }
    }
}

/// The counters plus the leads past the watermark that are not in them yet.
struct Snapshot {
    all: LeadCounts,
    board: BTreeMap<LeadStatus, ColumnTotals>,
    months: BTreeMap<String, LeadCounts>,
}

async fn snapshot(store: &dyn Store, tenant: &str) -> Result<Snapshot, StoreError> {
    let month_items = month_items(store, tenant).await?;
    let board_item = store
        .get(&Key::new(keys::stats_pk(tenant), keys::STATS_BOARD))
        .await?;
    let delta = |prefix: &str, status: LeadStatus| {
        board_item
            .as_ref()
            .and_then(|i| i.get(&format!("{prefix}_{}", status.as_str())))
            .and_then(Value::as_i64)
            .unwrap_or(0)
    };
    let mut board: BTreeMap<LeadStatus, ColumnTotals> = LeadStatus::ALL
        .iter()
        .map(|s| {
            (
                *s,
                ColumnTotals {
                    count: delta("n", *s),
                    value: delta("v", *s),
                },
            )
        })
        .collect();
    let mut all = LeadCounts::default();
    let mut months = BTreeMap::new();
    let mut new_column = ColumnTotals::default();
    for (month, item) in &month_items {
        let counts = counts_from(item);
        all.add(&counts);
        new_column.count += counts.leads;
        new_column.value += item.get("new_value").and_then(Value::as_i64).unwrap_or(0);
        months.insert(month.clone(), counts);
    }
    // The tail: leads not yet counted. Bounded by how often the counting job runs.
    let watermark = global_watermark(&month_items);
    let mut cursor = None;
    loop {
        let (leads, next) =
            leads_after(store, tenant, watermark.as_deref(), None, 500, cursor).await?;
        for (lead, initial) in &leads {
            let mut tally = Tally::default();
            tally.add(lead, *initial);
            all.add(&tally.all);
            for (m, c) in tally.months {
                months.entry(m).or_default().add(&c);
            }
            new_column.count += 1;
            new_column.value += tally.new_value;
        }
        match next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    // Every lead enters the board as new; status changes moved it on (BOARD deltas).
    let column = board.entry(LeadStatus::New).or_default();
    column.count += new_column.count;
    column.value += new_column.value;
    // Won leads are counted by month when they are won; the all-time figure is their sum.
    all.won = months.values().map(|c| c.won).sum();
    Ok(Snapshot { all, board, months })
}

/// Count and value of each board column.
pub async fn board_totals(
    store: &dyn Store,
    tenant: &str,
) -> Result<BTreeMap<LeadStatus, ColumnTotals>, StoreError> {
    Ok(snapshot(store, tenant).await?.board)
}

/// The analytics answer, from counters (O(months) reads plus the uncounted tail).
pub async fn analytics(
    store: &dyn Store,
    tenant: &str,
    now: DateTime<Utc>,
) -> Result<LeadAnalytics, StoreError> {
    let labels = analytics::last_12_months(now.year(), now.month());
    let snap = snapshot(store, tenant).await?;
    Ok(analytics::summarize(
        &snap.all,
        &snap.board,
        &snap.months,
        &labels,
    ))
}
