//! Lead counters, counted exactly once and outside the capture transaction.
//!
//! Captures never touch a counter: one hot item in every capture transaction would make
//! concurrent captures collide. Instead the lead partition is ordered by ULID (creation
//! time), and `count_new_leads` advances a watermark over it: it reads the leads created
//! after the watermark (and at least `COUNT_LAG` ago), adds them to the counters, and moves
//! the watermark, all in one transaction conditioned on the watermark it started from. A
//! retried, concurrent or crashed run therefore counts each lead exactly once. Readers add
//! the few leads past the watermark themselves, so answers are exact before the job runs.
//!
//! `COUNT_LAG` covers the time between a lead's id being minted and its transaction
//! committing: `leads::insert` gives up retrying long before it (see `MAX_ATTEMPTS`).

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};
use serde_json::Value;

use crate::domain::analytics::{self, ColumnTotals, LeadAnalytics, LeadCounts};
use crate::domain::lead::{Lead, LeadStatus};
use crate::ports::store::{
    Check, Cond, Index, Item, Key, Query, SkCond, Store, StoreError, Update, Write,
};
use crate::store::keys;

/// Leads younger than this are left for the next run (see the module docs).
pub const COUNT_LAG: chrono::Duration = chrono::Duration::seconds(60);
/// Leads read per counting transaction.
const COUNT_BATCH: u32 = 200;

fn all_key(tenant: &str) -> Key {
    Key::new(keys::stats_pk(tenant), keys::STATS_ALL)
}

fn watermark_of(item: Option<&Item>) -> Option<String> {
    item.and_then(|i| i.get("watermark"))
        .and_then(Value::as_str)
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
            crate::store::leads::lead_from_item(i).map(|l| (l, initial))
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
    };
    for (k, v) in item {
        if let (Some(source), Some(n)) = (k.strip_prefix("src_"), v.as_i64()) {
            c.by_source.insert(source.to_owned(), n);
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
    let mut conflicts = 0;
    loop {
        let all = store.get(&all_key(tenant)).await?;
        let watermark = watermark_of(all.as_ref());
        let (leads, _) = leads_after(
            store,
            tenant,
            watermark.as_deref(),
            Some(upto.clone()),
            COUNT_BATCH,
            None,
        )
        .await?;
        let Some((last, _)) = leads.last() else {
            return Ok(counted);
        };
        let mut tally = Tally::default();
        for (lead, initial) in &leads {
            tally.add(lead, *initial);
        }
        let watermark_check = Check::new(
            "watermark",
            match &watermark {
                Some(w) => Cond::Eq("watermark".into(), w.clone().into()),
                None => Cond::AttrNotExists("watermark".into()),
            },
        );
        let mut writes = vec![Write::Update {
            key: all_key(tenant),
            update: counts_update(&tally.all).set("watermark", last.id.clone()),
            check: Some(watermark_check),
        }];
        writes.push(Write::Update {
            key: Key::new(keys::stats_pk(tenant), keys::STATS_BOARD),
            update: Update::default()
                .add(format!("n_{}", LeadStatus::New.as_str()), tally.all.leads)
                .add(format!("v_{}", LeadStatus::New.as_str()), tally.new_value),
            check: None,
        });
        for (month, counts) in &tally.months {
            writes.push(Write::Update {
                key: Key::new(keys::stats_pk(tenant), keys::stats_month_sk(month)),
                update: counts_update(counts),
                check: None,
            });
        }
        match store.transact(writes).await {
            Ok(()) => counted += leads.len(),
            // Another run moved the watermark, or collided with us: start from the new one.
            Err(StoreError::ConditionFailed("watermark")) | Err(StoreError::Conflict)
                if conflicts < 10 =>
            {
                conflicts += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// The counters plus the leads past the watermark that are not in them yet.
struct Snapshot {
    all: LeadCounts,
    board: BTreeMap<LeadStatus, ColumnTotals>,
    months: BTreeMap<String, LeadCounts>,
}

async fn snapshot(
    store: &dyn Store,
    tenant: &str,
    months_from: &str,
) -> Result<Snapshot, StoreError> {
    let pk = keys::stats_pk(tenant);
    let items = store
        .get_many(&[all_key(tenant), Key::new(pk.clone(), keys::STATS_BOARD)])
        .await?;
    let find = |sk: &str| {
        items
            .iter()
            .find(|i| i.get("SK").and_then(Value::as_str) == Some(sk))
    };
    let all_item = find(keys::STATS_ALL);
    let mut all = all_item.map(counts_from).unwrap_or_default();
    let mut board: BTreeMap<LeadStatus, ColumnTotals> = LeadStatus::ALL
        .iter()
        .map(|s| {
            let b = find(keys::STATS_BOARD);
            let n = b
                .and_then(|i| i.get(&format!("n_{}", s.as_str())))
                .and_then(Value::as_i64);
            let v = b
                .and_then(|i| i.get(&format!("v_{}", s.as_str())))
                .and_then(Value::as_i64);
            (
                *s,
                ColumnTotals {
                    count: n.unwrap_or(0),
                    value: v.unwrap_or(0),
                },
            )
        })
        .collect();
    let month_items = store
        .query(
            &Query::new(Index::Primary, &pk)
                .sk(SkCond::Between(
                    keys::stats_month_sk(months_from),
                    keys::stats_month_sk("9999-99"),
                ))
                .limit(100),
        )
        .await?;
    let mut months: BTreeMap<String, LeadCounts> = month_items
        .items
        .iter()
        .filter_map(|i| {
            let sk = i.get("SK")?.as_str()?;
            Some((sk.strip_prefix("M#")?.to_owned(), counts_from(i)))
        })
        .collect();
    // The tail: leads not yet counted. Bounded by how often the counting job runs.
    let watermark = watermark_of(all_item);
    let mut cursor = None;
    loop {
        let (leads, next) =
            leads_after(store, tenant, watermark.as_deref(), None, 500, cursor).await?;
        let mut tally = Tally::default();
        for (lead, initial) in &leads {
            tally.add(lead, *initial);
        }
        all.add(&tally.all);
        for (m, c) in tally.months {
            months.entry(m).or_default().add(&c);
        }
        let column = board.entry(LeadStatus::New).or_default();
        column.count += tally.all.leads;
        column.value += tally.new_value;
        match next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    Ok(Snapshot { all, board, months })
}

/// Count and value of each board column.
pub async fn board_totals(
    store: &dyn Store,
    tenant: &str,
) -> Result<BTreeMap<LeadStatus, ColumnTotals>, StoreError> {
    // Months are not needed for the board; ask for none.
    Ok(snapshot(store, tenant, "9999-99").await?.board)
}

/// The analytics answer, from counters (O(months) reads plus the uncounted tail).
pub async fn analytics(
    store: &dyn Store,
    tenant: &str,
    now: DateTime<Utc>,
) -> Result<LeadAnalytics, StoreError> {
    let labels = analytics::last_12_months(now.year(), now.month());
    let from = labels.first().cloned().unwrap_or_default();
    let snap = snapshot(store, tenant, &from).await?;
    Ok(analytics::summarize(
        &snap.all,
        &snap.board,
        &snap.months,
        &labels,
    ))
}
