//! `crm-bench jobs`: the scheduled jobs read O(items due), never O(all customers) (DESIGN §4).
//!
//! For tenants of 1k, 10k and 100k customers (and as many leads) on the SQLite store, 1 % of
//! them due in the hour the run covers, it runs each job once — `segment_refresh` (1 % going
//! dormant), `milestones` (1 % reaching their first anniversary) and `stale_leads` (1 % of
//! the leads going stale) — and prints the index entries the job read against the items due
//! (target ≤ 1.1 × due + a small constant), the read units the store's meter counted, and the
//! wall time; then the ratios across sizes: wall time per due item should stay flat.
//!
//! The population is written straight into the store with `customers::import_writes` (the
//! record, its owners, search items and due items) in transactions of up to 100 items, the
//! leads with `leads::insert`; every customer and lead that is not due has its due or stale
//! entry in a later hour, as real data would.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use crm_shared::adapters::sqlite::SqliteStore;
use crm_shared::domain::booking::Contact;
use crm_shared::domain::booking::{BookingStatus, BookingTotals};
use crm_shared::domain::customer::{reclassify, Customer, Thresholds};
use crm_shared::domain::hours::zone;
use crm_shared::domain::lead::{Lead, NewLead};
use crm_shared::ports::store::{Store, Write};
use crm_shared::store::customers;
use crm_shared::store::{daily, hourly, leads, stale, tenants};

use crate::common::{self, Result, TENANT};

/// One in this many customers (and leads) is due.
const DUE_EVERY: u64 = 100;

/// The hour the run covers: 03:00 in Dublin (UTC in November), 2026-11-23.
fn due_hour() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T03:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// When the jobs run: during the due hour.
fn run_at() -> DateTime<Utc> {
    due_hour() + chrono::Duration::minutes(20)
}

/// One job at one size.
#[derive(Debug, Clone)]
pub struct JobRow {
    pub job: &'static str,
    pub size: u64,
    pub due: u64,
    /// Index entries the job read.
    pub read: u64,
    /// Customers or leads it changed.
    pub changed: u64,
    /// Read units the store's meter counted (index pages and the due items' own reads).
    pub read_units: f64,
    pub wall: Duration,
}

/// Customer `i`: every hundredth goes dormant in the due hour (last visit 90 days before the
/// previous noon); every hundredth (another one) reaches its first anniversary then; the
/// others are due weeks or months later.
fn customer(i: u64, t: &Thresholds) -> Customer {
    let now = due_hour();
    let segment_due = i.is_multiple_of(DUE_EVERY);
    let milestone_due = i % DUE_EVERY == DUE_EVERY / 2;
    let member_since = if milestone_due {
        now - chrono::Duration::days(365) + chrono::Duration::hours(6)
    } else {
        now - chrono::Duration::days(30 + (i % 300) as i64)
    };
    let contact = Contact {
        name: Some(format!("Customer {i}")),
        phone: Some(format!("+35386{:07}", i % 10_000_000)),
        email: Some(format!("customer.{i}@example.ie")),
    };
    let id =
        ulid::Ulid::from_parts(member_since.timestamp_millis() as u64, u128::from(i)).to_string();
    let mut c = Customer::new(id, TENANT, &contact, None, member_since);
    let last_visit = if segment_due {
        // Dormant at the previous noon, 90 days on: acted on at 03:00.
        now - chrono::Duration::days(90) - chrono::Duration::hours(15)
    } else {
        now - chrono::Duration::days(1 + (i % 40) as i64)
    };
    let mut totals = BookingTotals::default();
    totals.add(
        &crm_shared::domain::booking::BookingState {
            booking_id: format!("BK-{i}"),
            version: 1,
            status: BookingStatus::Completed,
            start: last_visit,
            service: Some("Massage".into()),
            staff: None,
            paid_amount: 5_000,
            currency: Some("EUR".into()),
        },
        1,
    );
    c.totals = totals;
    c.last_visit = Some(last_visit);
    c.last_booking = Some(last_visit);
    // As the visit's booking fact left it, an hour after the visit.
    reclassify(&mut c, t, last_visit + chrono::Duration::hours(1));
    let tz = zone(&common::tenant_settings().time_zone);
    // Filed before the due hour, as ingest would have (the anniversary ahead).
    c.next_milestone =
        crm_shared::domain::customer::milestone_due(&c, tz, now - chrono::Duration::hours(1));
    c.version = 1;
    c
}

/// Writes `n` customers (each with its due items) and `n` leads into `store`.
async fn populate(store: &SqliteStore, n: u64) -> Result<()> {
    let settings = common::tenant_settings();
    tenants::create(store, &settings).await?;
    let tz = zone(&settings.time_zone);
    let t = Thresholds::default();
    let mut batch: Vec<Write> = Vec::with_capacity(100);
    for i in 0..n {
        let c = customer(i, &t);
        let writes = customers::import_writes(TENANT, &c, &[], tz)?;
        if batch.len() + writes.len() > 100 {
            store.transact(std::mem::take(&mut batch)).await?;
        }
        batch.extend(writes);
    }
    if !batch.is_empty() {
        store.transact(batch).await?;
    }
    let stale_hours = settings.stale_after_hours;
    for i in 0..n {
        // Due: captured so its stale hour is the due hour; the others an hour ago.
        let at = if i.is_multiple_of(DUE_EVERY) {
            due_hour() - chrono::Duration::hours(i64::from(stale_hours))
                + chrono::Duration::minutes((i % 50) as i64)
        } else {
            run_at() - chrono::Duration::hours(1)
        };
        let phone = format!("+35385{:07}", i % 10_000_000);
        let lead = Lead::create(
            TENANT,
            &ulid::Ulid::from_parts(at.timestamp_millis() as u64, u128::from(i)).to_string(),
            NewLead {
                name: format!("Lead {i}"),
                phone: phone.clone(),
                phone_raw: phone,
                ..NewLead::default()
            },
            at,
        );
        leads::insert(store, &lead, stale_hours, settings.dedupe_window_hours, at).await?;
    }
    // Every job finished the hours before the due hour (a run per hour, as scheduled).
    let before = due_hour() - chrono::Duration::hours(1);
    for job in [daily::SEGMENT_REFRESH, daily::MILESTONES, stale::JOB] {
        hourly::advance(store, job, before).await?;
    }
    Ok(())
}

/// Runs the three jobs once on a tenant of `n` customers and `n` leads.
async fn size(n: u64) -> Result<Vec<JobRow>> {
    let store = SqliteStore::in_memory()?;
    crate::progress(&format!("(jobs) writing {n} customers and {n} leads"));
    let started = Instant::now();
    populate(&store, n).await?;
    crate::progress(&format!(
        "(jobs) {n}: populated in {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    let due = n.div_ceil(DUE_EVERY);
    let milestone_due = (n + DUE_EVERY / 2) / DUE_EVERY;
    let store: Arc<dyn Store> = Arc::new(store);
    let mut rows = Vec::new();
    let measure = |job: &'static str, due: u64| JobRow {
        job,
        size: n,
        due,
        read: 0,
        changed: 0,
        read_units: 0.0,
        wall: Duration::ZERO,
    };
    // segment_refresh
    let mut row = measure("segment_refresh", due);
    let units = store.meter().snapshot();
    let started = Instant::now();
    let run = daily::segment_refresh(store.as_ref(), run_at()).await?;
    row.wall = started.elapsed();
    row.read_units = (store.meter().snapshot() - units).read;
    (row.read, row.changed) = (run.read as u64, run.changed.len() as u64);
    rows.push(row);
    // milestones
    let mut row = measure("milestones", milestone_due);
    let units = store.meter().snapshot();
    let started = Instant::now();
    let run = daily::milestones(store.as_ref(), run_at()).await?;
    row.wall = started.elapsed();
    row.read_units = (store.meter().snapshot() - units).read;
    (row.read, row.changed) = (run.read as u64, run.changed.len() as u64);
    rows.push(row);
    // stale_leads (its hour must have passed: it runs in the next one)
    let mut row = measure("stale_leads", due);
    let units = store.meter().snapshot();
    let started = Instant::now();
    let run = stale::run(store.as_ref(), run_at() + chrono::Duration::hours(1)).await?;
    row.wall = started.elapsed();
    row.read_units = (store.meter().snapshot() - units).read;
    (row.read, row.changed) = (run.read as u64, run.flagged.len() as u64);
    rows.push(row);
    Ok(rows)
}

pub async fn measure(sizes: &[u64]) -> Result<Vec<JobRow>> {
    let mut rows = Vec::new();
    for n in sizes {
        rows.extend(size(*n).await?);
    }
    Ok(rows)
}

/// The report: one line per job and size, the target check, and the ratios across sizes.
pub fn render(rows: &[JobRow], profile: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Scheduled jobs on SQLite ({profile} build): items read against items due, 1 % due\n"
    );
    let _ = writeln!(
        out,
        "{:<16} {:>8} {:>6} {:>6} {:>8} {:>10} {:>10} {:>12} {:>6}",
        "job", "size", "due", "read", "changed", "read RU", "wall ms", "µs per due", "target"
    );
    for r in rows {
        let per_due = r.wall.as_secs_f64() * 1e6 / r.due.max(1) as f64;
        let ok = (r.read as f64) <= 1.1 * r.due as f64 + 2.0;
        let _ = writeln!(
            out,
            "{:<16} {:>8} {:>6} {:>6} {:>8} {:>10.1} {:>10.1} {:>12.0} {:>6}",
            r.job,
            r.size,
            r.due,
            r.read,
            r.changed,
            r.read_units,
            r.wall.as_secs_f64() * 1e3,
            per_due,
            if ok { "ok" } else { "MISS" }
        );
    }
    let _ = writeln!(
        out,
        "\ntarget: read ≤ 1.1 × due + 2. Ratios of wall time per due item (flat ≈ 1.0):"
    );
    let jobs = ["segment_refresh", "milestones", "stale_leads"];
    for job in jobs {
        let of: Vec<&JobRow> = rows.iter().filter(|r| r.job == job).collect();
        let per = |r: &JobRow| r.wall.as_secs_f64() / r.due.max(1) as f64;
        let ratios: Vec<String> = of
            .windows(2)
            .map(|w| {
                format!(
                    "{}→{}: {:.2}",
                    w[0].size,
                    w[1].size,
                    per(w[1]) / per(w[0]).max(f64::MIN_POSITIVE)
                )
            })
            .collect();
        let _ = writeln!(out, "  {job:<16} {}", ratios.join("   "));
    }
    out
}
