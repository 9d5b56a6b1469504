//! `crm-bench imports` (issue 19): how fast a client list becomes customers, and what it
//! costs in DynamoDB write units.
//!
//! - SQLite (a file in a scratch dir, as crm-local runs it): 10k and 100k rows through the
//!   imports worker's run (`usecases::importing::run`, one run, checkpoints every 250 rows):
//!   rows per second and write units per row (the store's meter, DynamoDB's sizing rules).
//! - The baseline, measured in the same run: the same kind of customers created one by one
//!   as `POST /customers` does (`customers::create`): write units per customer. Target: an
//!   imported row ≤ 1.5 × a customer made through the API.
//! - moto: `--moto-rows` (default 200) rows through the queue consumer (`run_import::consume`)
//!   on the DynamoDB adapter: the write units per row are DynamoDB's; the time is moto's (it
//!   copies every table for each transaction, so its time grows with the table: 300 rows took
//!   522 s in a debug run, and 10k would take hours — not a measure of DynamoDB).
//! - A merge of two customers with 1,000 bookings each (SQLite): wall time.
//!
//! The list looks like a real export: names from common first and last names, Irish mobile
//! numbers scattered over the 083–089 ranges, an email (at a mail service) on two rows in three,
//! a birthday on every row (so every row also probes for namesakes: the worst case), 2 % of rows with
//! a phone that is no number (refused), 1 % repeating an earlier row (skipped).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use crm_functions::usecases::importing::{self, ImportTask};
use crm_functions::Ctx;
use crm_shared::adapters::local_bus::LocalBus;
use crm_shared::adapters::local_files::LocalFiles;
use crm_shared::adapters::sqlite::SqliteStore;
use crm_shared::domain::booking::{BookingState, BookingStatus, Contact};
use crm_shared::domain::customer::{Customer, Profile};
use crm_shared::domain::hours::zone;
use crm_shared::import::job::{Import, ImportCounts, ImportStatus};
use crm_shared::ports::clock::{Clock, FixedClock};
use crm_shared::ports::store::{Store, Write};
use crm_shared::store::{customers, imports, keys, tenants};

use crate::common::{self, Result, Scratch, TENANT};

const FIRST: &[&str] = &[
    "Aoife", "Ciara", "Niamh", "Sinead", "Orla", "Grainne", "Siobhan", "Roisin", "Emma", "Sarah",
    "Conor", "Sean", "Patrick", "Cian", "Darragh", "Oisin", "Eoin", "Liam", "Jack", "James",
];
const LAST: &[&str] = &[
    "Murphy",
    "Kelly",
    "O'Sullivan",
    "Walsh",
    "Smith",
    "O'Brien",
    "Byrne",
    "Ryan",
    "O'Connor",
    "O'Neill",
    "Reilly",
    "Doyle",
    "McCarthy",
    "Gallagher",
    "Doherty",
    "Kennedy",
    "Lynch",
    "Murray",
    "Quinn",
    "Moore",
];

/// Where a salon's clients have their email (mail services: a client list is not a company's
/// staff list).
const MAIL: &[&str] = &["gmail.com", "hotmail.com", "icloud.com", "eircom.net"];

/// A scattered subscriber number for row `i`: seven digits, the first 2–9 (as Irish mobile
/// numbers are), no two rows below 8 million sharing one.
fn scatter(i: u64) -> u64 {
    2_000_000 + (i * 7_368_787 + 1_234_567) % 8_000_000
}

/// The client list of `n` rows, and what importing it should count.
pub fn client_list(n: u64) -> (String, ImportCounts) {
    let mut csv = String::from("First Name,Last Name,Mobile,Email,Birthday,Tags\n");
    let mut counts = ImportCounts::default();
    for i in 0..n {
        counts.total += 1;
        counts.done += 1;
        let (first, last) = (FIRST[(i % 20) as usize], LAST[(i / 20 % 20) as usize]);
        if i % 50 == 17 {
            csv.push_str(&format!("{first},{last},call me,,,\n"));
            counts.refused += 1;
            continue;
        }
        let j = if i % 100 == 99 { i - 1 } else { i };
        if i % 100 == 99 && (i - 1) % 50 != 17 {
            counts.skipped += 1;
        } else {
            counts.created += 1;
        }
        let (first, last) = (FIRST[(j % 20) as usize], LAST[(j / 20 % 20) as usize]);
        let prefix = [83, 85, 86, 87, 89][(j % 5) as usize];
        let email = if j % 3 == 2 {
            String::new()
        } else {
            format!(
                "{}.{}{j}@{}",
                first.to_lowercase(),
                last.to_lowercase().replace('\'', ""),
                MAIL[(j % 4) as usize]
            )
        };
        csv.push_str(&format!(
            "{first},{last},0{prefix} {:07},{email},{:02}/{:02}/19{:02},{}\n",
            scatter(j),
            1 + j % 28,
            1 + j % 12,
            50 + j % 50,
            if j % 4 == 0 { "vip" } else { "" }
        ));
    }
    (csv, counts)
}

fn start() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-07T10:00:00Z")
        .map(|t| t.to_utc())
        .unwrap_or_default()
}

/// One measured import.
#[derive(Debug, Clone)]
pub struct ImportRow {
    pub store: &'static str,
    pub rows: u64,
    pub wall: Duration,
    pub write_units: f64,
    pub counts: ImportCounts,
}

impl ImportRow {
    fn rows_per_s(&self) -> f64 {
        self.rows as f64 / self.wall.as_secs_f64().max(1e-9)
    }
    fn units_per_row(&self) -> f64 {
        self.write_units / self.rows.max(1) as f64
    }
}

async fn ctx_on(store: Arc<dyn Store>, files: &Path) -> Result<Ctx> {
    let clock: Arc<dyn Clock> = Arc::new(FixedClock::at(start()));
    tenants::create(store.as_ref(), &common::tenant_settings()).await?;
    Ok(common::ctx(store, Arc::new(LocalBus::new()), clock)?
        .with_files(Arc::new(LocalFiles::new(files))))
}

/// Uploads `csv` as a queued import; its task.
async fn queued(ctx: &Ctx, csv: &str) -> Result<ImportTask> {
    let id = keys::sequential_id(ctx.clock.now());
    let sheet = crm_shared::import::file::read(csv.as_bytes())?;
    let mut import = Import::uploaded(
        id.clone(),
        TENANT,
        "bench.csv".into(),
        csv.len() as u64,
        sheet,
        "bench",
        ctx.clock.now(),
    );
    import.status = ImportStatus::Queued;
    ctx.files
        .put(&keys::import_file(TENANT, &id), csv.as_bytes().to_vec())
        .await?;
    imports::create(ctx.store.as_ref(), &import).await?;
    Ok(ImportTask {
        tenant_id: TENANT.into(),
        import_id: id,
    })
}

async fn finished(ctx: &Ctx, task: &ImportTask, expected: ImportCounts) -> Result<ImportCounts> {
    let import = imports::get(ctx.store.as_ref(), TENANT, &task.import_id)
        .await?
        .ok_or("the import is gone")?;
    if import.status == ImportStatus::Running {
        // A run that failed left its message for later: run it here to say why.
        let why = importing::run(ctx, task, importing::RUN_BUDGET).await;
        return Err(format!(
            "import left running at {:?}: a run ends {why:?}",
            import.counts
        )
        .into());
    }
    if import.status != ImportStatus::Done || import.counts != expected {
        let refused = imports::refused(ctx.store.as_ref(), TENANT, &task.import_id).await?;
        let sample: Vec<String> = refused
            .iter()
            .take(3)
            .map(|r| {
                format!(
                    "row {}: {} ({})",
                    r.row,
                    r.reasons.join("; "),
                    r.cells.join(",")
                )
            })
            .collect();
        return Err(format!(
            "import ended {:?} with {:?}, expected {expected:?}; refused e.g. {sample:?}",
            import.status, import.counts
        )
        .into());
    }
    Ok(import.counts)
}

/// `n` rows through the worker's run on a SQLite file.
pub async fn sqlite(n: u64) -> Result<ImportRow> {
    let scratch = Scratch::new("imports")?;
    let store = Arc::new(SqliteStore::open(&scratch.path().join("crm.sqlite3"))?);
    let ctx = ctx_on(store.clone(), &scratch.path().join("files")).await?;
    let (csv, expected) = client_list(n);
    let task = queued(&ctx, &csv).await?;
    let before = store.meter().snapshot();
    let t = Instant::now();
    importing::run(&ctx, &task, Duration::MAX).await?;
    let wall = t.elapsed();
    let write_units = (store.meter().snapshot() - before).write;
    let counts = finished(&ctx, &task, expected).await?;
    Ok(ImportRow {
        store: "SQLite (file)",
        rows: n,
        wall,
        write_units,
        counts,
    })
}

/// Write units per customer made one by one as `POST /customers` makes them (`n` of them,
/// the same shape as the list's rows), on SQLite.
pub async fn api_baseline(n: u64) -> Result<f64> {
    let scratch = Scratch::new("imports-api")?;
    let store = Arc::new(SqliteStore::open(&scratch.path().join("crm.sqlite3"))?);
    let ctx = ctx_on(store.clone(), &scratch.path().join("files")).await?;
    let settings = common::tenant_settings();
    let before = store.meter().snapshot();
    for i in 0..n {
        let (first, last) = (FIRST[(i % 20) as usize], LAST[(i / 20 % 20) as usize]);
        let profile = Profile {
            name: Some(format!("{first} {last}")),
            phones: Some(vec![format!(
                "+353{}{:07}",
                [83, 85, 86, 87, 89][(i % 5) as usize],
                scatter(i)
            )]),
            emails: (i % 3 != 2).then(|| {
                vec![format!(
                    "{}.{}{i}@example.ie",
                    first.to_lowercase(),
                    last.to_lowercase().replace('\'', "")
                )]
            }),
            date_of_birth: Some(chrono::NaiveDate::from_ymd_opt(
                1950 + (i % 50) as i32,
                1 + (i % 12) as u32,
                1 + (i % 28) as u32,
            )),
            ..Profile::default()
        };
        let tags = if i % 4 == 0 {
            ["vip".to_owned()].into()
        } else {
            Default::default()
        };
        customers::create(
            ctx.store.as_ref(),
            &settings,
            &profile,
            &tags,
            ctx.clock.now(),
        )
        .await?;
    }
    Ok((store.meter().snapshot() - before).write / n as f64)
}

/// `n` rows through the queue consumer on the DynamoDB adapter (moto).
pub async fn moto(moto: &crate::moto::Moto, n: u64) -> Result<ImportRow> {
    use crm_functions::workers::run_import;
    use crm_shared::ports::queue::{pump, QueueName};
    let store = Arc::new(crm_shared::adapters::dynamo::DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&moto.sdk),
        format!("{}-imports", crate::moto::TABLE),
    ));
    store.create_table().await?;
    let scratch = Scratch::new("imports-moto")?;
    let ctx = ctx_on(store.clone(), &scratch.path().join("files")).await?;
    let (csv, expected) = client_list(n);
    let task = queued(&ctx, &csv).await?;
    importing::enqueue(&ctx, &task).await?;
    let before = store.meter().snapshot();
    let t = Instant::now();
    while pump(ctx.queue.as_ref(), QueueName::Imports, 1800, 0, |batch| {
        run_import::consume(&ctx, batch)
    })
    .await?
        > 0
    {}
    let wall = t.elapsed();
    let write_units = (store.meter().snapshot() - before).write;
    let counts = finished(&ctx, &task, expected).await?;
    Ok(ImportRow {
        store: "DynamoDB adapter on moto (consumer)",
        rows: n,
        wall,
        write_units,
        counts,
    })
}

/// Two customers with `bookings` bookings each on SQLite, merged: the merge's wall time.
pub async fn merge(bookings: u64) -> Result<(Duration, i64)> {
    let scratch = Scratch::new("imports-merge")?;
    let store = Arc::new(SqliteStore::open(&scratch.path().join("crm.sqlite3"))?);
    let ctx = ctx_on(store.clone(), &scratch.path().join("files")).await?;
    let settings = common::tenant_settings();
    let tz = zone(&settings.time_zone);
    let now = start();
    let mut ids = Vec::new();
    for side in 0..2u64 {
        let contact = Contact {
            name: Some("Merge Bench".into()),
            phone: Some(format!("+35387{:07}", 1_000_000 + side)),
            email: None,
        };
        let id = keys::sequential_id(now);
        let c = Customer::new(id.clone(), TENANT, &contact, None, now);
        let facts: Vec<BookingState> = (0..bookings)
            .map(|b| BookingState {
                booking_id: format!("M{side}-{b}"),
                version: 1,
                status: BookingStatus::Completed,
                start: now - chrono::Duration::days((b % 700) as i64 + 1),
                service: Some("Facial".into()),
                staff: None,
                paid_amount: 5_000,
                currency: Some("EUR".into()),
            })
            .collect();
        // The record first, then its bookings 40 to a transaction (two items each).
        ctx.store
            .transact(customers::import_writes(TENANT, &c, &[], tz)?)
            .await?;
        for chunk in facts.chunks(40) {
            let writes: Vec<Write> = customers::import_writes(TENANT, &c, chunk, tz)?
                .into_iter()
                .filter(|w| {
                    w.key().is_some_and(|k| {
                        k.sk.starts_with(keys::BOOKING_PREFIX) || k.pk.contains("#U#booking#")
                    })
                })
                .collect();
            ctx.store.transact(writes).await?;
        }
        ids.push(id);
    }
    let t = Instant::now();
    let kept = customers::merge(
        ctx.store.as_ref(),
        &settings,
        &ids[0],
        &ids[1],
        "none",
        &keys::sequential_id(now),
        now,
    )
    .await?;
    let wall = t.elapsed();
    if kept.totals.bookings != 2 * bookings as i64 {
        return Err(format!(
            "merged {} bookings, expected {}",
            kept.totals.bookings,
            2 * bookings
        )
        .into());
    }
    Ok((wall, kept.totals.bookings))
}

pub fn render(
    rows: &[ImportRow],
    api_units: f64,
    merged: Option<(Duration, i64)>,
    profile: &str,
) -> String {
    let mut out = format!("# crm-bench imports ({profile} build)\n\n");
    out.push_str("| store | rows | wall | rows/s | write units/row | vs API create | created / skipped / refused |\n|---|---|---|---|---|---|---|\n");
    for r in rows {
        out.push_str(&format!(
            "| {} | {} | {:.1} s | {:.0} | {:.2} | {:.2}× | {} / {} / {} |\n",
            r.store,
            r.rows,
            r.wall.as_secs_f64(),
            r.rows_per_s(),
            r.units_per_row(),
            r.units_per_row() / api_units.max(1e-9),
            r.counts.created,
            r.counts.skipped,
            r.counts.refused,
        ));
    }
    out.push_str(&format!(
        "\nBaseline (same run): a customer made through the API's create costs {api_units:.2} write units.\n"
    ));
    if let Some((wall, bookings)) = merged {
        out.push_str(&format!(
            "Merge of two customers with {} bookings each (SQLite): {:.2} s.\n",
            bookings / 2,
            wall.as_secs_f64()
        ));
    }
    out
}
