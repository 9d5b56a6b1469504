//! `crm-bench customers`: customer lists and search at two sizes, 100k customers (with their
//! bookings) in SQLite behind crm-local's real HTTP server, and 10k in moto through the
//! handler on the DynamoDB adapter. For every sort order and for search it prints p50/p95 of
//! a page and the capacity units the page read (the store's meter, DynamoDB's sizing rules),
//! and the ratio of units per page at 10k and at 100k: served by an index, a page costs the
//! same however many customers there are (target 1.0 ± 0.1); p95 on SQLite < 20 ms.
//!
//! The population is deterministic: customer `i` has a name from two lists, a unique Irish
//! mobile, an email, and `i % 7` bookings (completed and paid, no-shows, cancellations,
//! upcoming) from which its KPIs and classifications are computed exactly as booking facts
//! would leave them; each customer is written with `customers::import` (record, sort
//! positions, owners, search items, due day, bookings) in one transaction.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use crm_shared::adapters::dynamo::DynamoStore;
use crm_shared::adapters::local_bus::LocalBus;
use crm_shared::domain::booking::Contact;
use crm_shared::domain::booking::{BookingState, BookingStatus, BookingTotals};
use crm_shared::domain::customer::Customer;
use crm_shared::domain::customer::{classify, Facts, Thresholds};
use crm_shared::http::auth::{Claims, Role};
use crm_shared::http::routes::ROUTES;
use crm_shared::ports::clock::SystemClock;
use crm_shared::ports::store::capacity::Units;
use crm_shared::ports::store::Store;
use crm_shared::store::customers::{self, SortKey};
use crm_shared::store::tenants;
use serde_json::Value;

use crate::common::{self, Result, Stats, TENANT};

const FIRST: &[&str] = &[
    "Aoife", "Ciara", "Sean", "Niamh", "Conor", "Emma", "Orla", "Declan", "Grace", "Fiona", "Liam",
    "Saoirse", "Darragh", "Roisin", "Cian", "Aisling", "Oisin", "Clodagh", "Eoin", "Maeve",
    "Tadhg", "Sinead", "Padraig", "Caoimhe",
];
const LAST: &[&str] = &[
    "Byrne",
    "Walsh",
    "Kelly",
    "Doyle",
    "Ryan",
    "O'Brien",
    "Murphy",
    "Nolan",
    "Healy",
    "Brennan",
    "Quinn",
    "Burke",
    "Lynch",
    "McCarthy",
    "Gallagher",
    "Kennedy",
    "Dunne",
    "Fitzgerald",
    "Daly",
    "Power",
    "Moran",
    "Farrell",
    "Keane",
    "Whelan",
    "Hayes",
    "Foley",
    "Hogan",
    "Lawlor",
    "Carroll",
    "Byrnes",
];
const SERVICES: &[&str] = &["Massage", "Facial", "Manicure", "Spa day", "Pedicure"];

/// Pages walked per order, and searches run.
const PAGES: usize = 40;
const PAGE_SIZE: u32 = 25;
/// Pages walked per order on moto (and searches run there).
const MOTO_PAGES: usize = 5;

/// Customer `i` of the population, with its bookings, as booking facts would leave it.
fn customer(i: u64, now: DateTime<Utc>, t: &Thresholds) -> (Customer, Vec<BookingState>) {
    let first = FIRST[(i as usize) % FIRST.len()];
    let last = LAST[(i as usize / FIRST.len()) % LAST.len()];
    let prefix = [83, 85, 86, 87, 89][(i % 5) as usize];
    let contact = Contact {
        name: Some(format!("{first} {last}")),
        phone: Some(format!("+353{prefix}{:07}", i % 10_000_000)),
        email: Some(format!(
            "{}.{}.{i}@example.ie",
            first.to_lowercase(),
            last.to_lowercase().replace('\'', "")
        )),
    };
    let created = now - chrono::Duration::days(730)
        + chrono::Duration::seconds((i * 631) as i64 % 63_000_000);
    let id = ulid::Ulid::from_parts(created.timestamp_millis() as u64, u128::from(i)).to_string();
    let mut c = Customer::new(id, TENANT, &contact, None, created);
    let mut bookings = Vec::new();
    let mut totals = BookingTotals::default();
    for b in 0..(i % 7) {
        let days_ago = ((i * 37 + b * 53) % 700) as i64 - 20;
        let status = match (i + b) % 9 {
            _ if days_ago < 0 => BookingStatus::Scheduled,
            0 => BookingStatus::NoShow,
            1 => BookingStatus::Cancelled,
            _ => BookingStatus::Completed,
        };
        let state = BookingState {
            booking_id: format!("BK-{i}-{b}"),
            version: 1,
            status,
            start: now - chrono::Duration::days(days_ago),
            service: Some(SERVICES[((i + b) % 5) as usize].into()),
            staff: None,
            paid_amount: if status == BookingStatus::Completed {
                3_000 + ((i * 7 + b * 13) % 120) as i64 * 100
            } else {
                0
            },
            currency: Some("EUR".into()),
        };
        totals.add(&state, 1);
        if status == BookingStatus::Scheduled {
            c.upcoming.insert(state.booking_id.clone(), state.start);
        }
        c.last_booking = c.last_booking.max(Some(state.start));
        if status == BookingStatus::Completed {
            c.last_visit = c.last_visit.max(Some(state.start));
        }
        bookings.push(state);
    }
    c.totals = totals;
    let class = classify(
        &Facts {
            totals: &c.totals,
            last_booking: c.last_booking,
            last_visit: c.last_visit,
            has_upcoming: c.next_booking(now).is_some(),
        },
        t,
        now,
    );
    c.segment = class.segment;
    c.points = class.points;
    c.tier = class.tier;
    c.auto_tags = class.auto_tags;
    c.stage = class.stage;
    c.at_risk = class.at_risk;
    c.next_change = class.next_change;
    c.version = 1;
    (c, bookings)
}

/// How a customer's items go to the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Writes {
    /// One transaction per customer, as an import would.
    Transaction,
    /// One PutItem per item: moto copies every table for each transaction (its rollback), so a
    /// transaction's cost there grows with the table; the items are the same.
    OneByOne,
}

/// Writes customers `0..n` with `concurrency` customers in flight.
async fn populate(
    store: Arc<dyn Store>,
    n: u64,
    concurrency: usize,
    with_bookings: bool,
    how: Writes,
) -> Result<Duration> {
    let started = Instant::now();
    let now = chrono::Utc::now();
    let thresholds = Arc::new(Thresholds::default());
    let semaphore = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let permit = semaphore.clone().acquire_owned().await?;
        let store = store.clone();
        let thresholds = thresholds.clone();
        tasks.spawn(async move {
            let (c, bookings) = customer(i, now, &thresholds);
            let bookings = if with_bookings { bookings } else { Vec::new() };
            let r: Result<()> = match how {
                Writes::Transaction => {
                    customers::import(store.as_ref(), TENANT, &c, &bookings, chrono_tz::Tz::UTC)
                        .await
                        .map_err(Into::into)
                }
                Writes::OneByOne => {
                    async {
                        for w in
                            customers::import_writes(TENANT, &c, &bookings, chrono_tz::Tz::UTC)?
                        {
                            store.write(w).await?;
                        }
                        Ok(())
                    }
                    .await
                }
            };
            drop(permit);
            r.map_err(|e| format!("customer {i}: {e}"))
        });
        while let Some(done) = tasks.try_join_next() {
            done??;
        }
        if i > 0 && i % 2_000 == 0 {
            crate::progress(&format!("  {i} customers written"));
        }
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    Ok(started.elapsed())
}

/// One measured request: its latency and the units the store read for it.
#[derive(Debug, Clone, Copy)]
struct Sample {
    latency: Duration,
    units: Units,
}

/// What was measured for one query shape at one size.
#[derive(Debug, Clone)]
pub struct Shape {
    pub label: String,
    pub stats: Stats,
    pub p95: Duration,
    pub read_units_per_page: f64,
}

fn summarize(label: &str, samples: &[Sample]) -> Shape {
    let latencies: Vec<Duration> = samples.iter().map(|s| s.latency).collect();
    let mut sorted = latencies.clone();
    sorted.sort();
    let p95 = sorted
        .get(((sorted.len() as f64) * 0.95).ceil() as usize - 1)
        .copied()
        .unwrap_or_default();
    Shape {
        label: label.to_owned(),
        stats: Stats::of(&latencies),
        p95,
        read_units_per_page: samples.iter().map(|s| s.units.read).sum::<f64>()
            / samples.len().max(1) as f64,
    }
}

/// Name searches: three- and four-letter prefixes of first and last names (each fills a page
/// at both sizes, so their pages are comparable).
fn name_searches() -> Vec<String> {
    FIRST
        .iter()
        .chain(LAST.iter())
        .enumerate()
        .take(PAGES)
        .map(|(k, name)| {
            name.to_lowercase()
                .chars()
                .filter(|c| c.is_alphanumeric())
                .take(3 + k % 2)
                .collect()
        })
        .collect()
}

/// Phone searches: last four digits (few matches: how many grows with the population).
fn digit_searches() -> Vec<String> {
    (0..PAGES)
        .map(|k| format!("{:04}", (k * 7919) % 10_000))
        .collect()
}

/// Runs a GET of `/customers?{query}` and returns the body, the latency and the units.
type Getter<'a> = Box<
    dyn Fn(
            String,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<(Value, Duration)>> + Send + 'a>,
        > + 'a,
>;

async fn measure(get: &Getter<'_>, meter: &dyn Fn() -> Units, pages: usize) -> Result<Vec<Shape>> {
    let mut shapes = Vec::new();
    for sort in SortKey::ALL {
        let mut samples = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..pages {
            let mut q = format!("sort={}&limit={PAGE_SIZE}", sort.as_str());
            if let Some(c) = &cursor {
                q.push_str(&format!("&cursor={c}"));
            }
            let before = meter();
            let (body, latency) = get(q).await?;
            samples.push(Sample {
                latency,
                units: meter() - before,
            });
            let got = body["customers"].as_array().map(Vec::len).unwrap_or(0);
            if got != PAGE_SIZE as usize {
                return Err(
                    format!("sort {} returned {got} customers: {body}", sort.as_str()).into(),
                );
            }
            cursor = body["next_cursor"].as_str().map(str::to_owned);
        }
        shapes.push(summarize(
            &format!("sort={} (desc)", sort.as_str()),
            &samples,
        ));
    }
    for (label, queries) in [
        ("search q= name prefix (3–4 letters)", name_searches()),
        ("search q= last 4 phone digits", digit_searches()),
    ] {
        let mut samples = Vec::new();
        for q in queries.into_iter().take(pages) {
            let before = meter();
            let (_, latency) = get(format!("q={q}&limit={PAGE_SIZE}")).await?;
            samples.push(Sample {
                latency,
                units: meter() - before,
            });
        }
        shapes.push(summarize(label, &samples));
    }
    Ok(shapes)
}

/// Results at one size.
#[derive(Debug, Clone)]
pub struct SizeReport {
    pub store: &'static str,
    pub customers: u64,
    pub populate: Duration,
    pub shapes: Vec<Shape>,
}

pub async fn sqlite(n: u64) -> Result<SizeReport> {
    let scratch = common::Scratch::new("customers")?;
    let server = crm_local::start(crm_local::LocalConfig {
        port: 0,
        data_dir: scratch.path().join("data"),
        seed: false,
        dev_sign_in: false,
        oidc: None,
        poll_queues: true,
        public_url: None,
        sms_provider_token: None,
        jwt_secret: Some("crm-bench-secret-not-for-production".into()),
    })
    .await
    .map_err(|e| format!("crm-local did not start: {e}"))?;
    tenants::create(&server.store, &common::tenant_settings()).await?;
    crate::progress(&format!(
        "(customers) writing {n} customers with their bookings to SQLite"
    ));
    let populate = populate(
        Arc::new(server.store.clone()),
        n,
        64,
        true,
        Writes::Transaction,
    )
    .await?;
    let token = crm_shared::http::token::issue(
        &Claims {
            sub: "bench".into(),
            tenant_id: TENANT.into(),
            role: Role::Staff,
            membership: None,
        },
        b"crm-bench-secret-not-for-production",
        chrono::Utc::now().timestamp(),
        3600,
    )?;
    let client = reqwest::Client::new();
    let url = server.url();
    let get: Getter<'_> = Box::new(move |q: String| {
        let client = client.clone();
        let token = token.clone();
        let url = url.clone();
        Box::pin(async move {
            let started = Instant::now();
            let r = client
                .get(format!("{url}/customers?{q}"))
                .bearer_auth(&token)
                .send()
                .await?;
            let status = r.status();
            let body: Value = r.json().await?;
            let latency = started.elapsed();
            if !status.is_success() {
                return Err(format!("GET /customers?{q}: {status} {body}").into());
            }
            Ok((body, latency))
        })
    });
    crate::progress("(customers) measuring pages and searches on SQLite through crm-local");
    let store = server.store.clone();
    let shapes = measure(&get, &|| store.meter().snapshot(), PAGES).await?;
    server
        .shutdown()
        .await
        .map_err(|e| format!("crm-local shutdown: {e}"))?;
    Ok(SizeReport {
        store: "SQLite via crm-local HTTP",
        customers: n,
        populate,
        shapes,
    })
}

pub async fn moto(moto: &crate::moto::Moto, n: u64) -> Result<SizeReport> {
    let store = Arc::new(DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&moto.sdk),
        crate::moto::TABLE.to_owned(),
    ));
    crate::progress(&format!(
        "(customers) writing {n} customers to moto (records, owners, search items)"
    ));
    let populate = populate(store.clone(), n, 1, false, Writes::OneByOne).await?;
    let ctx = crate::common::ctx(
        store.clone(),
        Arc::new(LocalBus::new()),
        Arc::new(SystemClock),
    )?;
    let route = ROUTES
        .iter()
        .find(|r| r.function == "list_customers")
        .ok_or("no list_customers route")?;
    let claims = Claims {
        sub: "bench".into(),
        tenant_id: TENANT.into(),
        role: Role::Staff,
        membership: None,
    };
    let ctx_ref = &ctx;
    let claims_ref = &claims;
    let get: Getter<'_> = Box::new(move |q: String| {
        Box::pin(async move {
            let request = crm_local::gateway::api_gateway_request(
                route,
                &http::Method::GET,
                "/customers",
                Some(&q),
                &http::HeaderMap::new(),
                b"",
                std::net::SocketAddr::from(([127, 0, 0, 1], 1)),
                Some(claims_ref),
            );
            let request: lambda_http::Request =
                lambda_http::request::LambdaRequest::ApiGatewayV2(request).into();
            let started = Instant::now();
            let response = crm_functions::dispatch("list_customers", ctx_ref, request)
                .await
                .ok_or("no handler")?;
            let latency = started.elapsed();
            let body: Value = match response.body() {
                lambda_http::Body::Text(t) => serde_json::from_str(t)?,
                _ => Value::Null,
            };
            if !response.status().is_success() {
                return Err(format!("GET /customers?{q}: {} {body}", response.status()).into());
            }
            Ok((body, latency))
        })
    });
    crate::progress("(customers) measuring pages and searches on moto through the handler");
    // moto answers a GSI query by scanning its table (seconds at this size): fewer pages; the
    // units a page reads do not depend on how many are walked.
    let shapes = measure(&get, &|| store.meter().snapshot(), MOTO_PAGES).await?;
    Ok(SizeReport {
        store: "DynamoDB adapter on moto (handler)",
        customers: n,
        populate,
        shapes,
    })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn render(big: &SizeReport, small: &SizeReport) -> String {
    use std::fmt::Write;
    let mut w = String::new();
    let _ = writeln!(
        w,
        "Pipeline CRM — customers benchmark (scripts/bench customers), {}, {} cores",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    );
    let _ = writeln!(
        w,
        "Pages of {PAGE_SIZE}; per order {PAGES} pages walked from the first by cursor and {PAGES} searches on SQLite,\n\
         {MOTO_PAGES} of each on moto (latencies there are moto's, which scans a table to answer an index query)."
    );
    for r in [big, small] {
        let _ = writeln!(w);
        let _ = writeln!(
            w,
            "{} customers — {} (written in {:.1} s)",
            r.customers,
            r.store,
            r.populate.as_secs_f64()
        );
        let _ = writeln!(
            w,
            "  {:<44} {:>9} {:>9} {:>9} {:>12}",
            "", "p50 ms", "p95 ms", "max ms", "RCU/page"
        );
        for s in &r.shapes {
            let _ = writeln!(
                w,
                "  {:<44} {:>9.2} {:>9.2} {:>9.2} {:>12.2}",
                s.label,
                ms(s.stats.p50),
                ms(s.p95),
                ms(s.stats.max),
                s.read_units_per_page
            );
        }
    }
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "read units per page, {} vs {} customers (target 1.0 ± 0.1):",
        small.customers, big.customers
    );
    let mut all_ok = true;
    for (a, b) in small.shapes.iter().zip(&big.shapes) {
        let ratio = a.read_units_per_page / b.read_units_per_page.max(1e-9);
        let ok = (0.9..=1.1).contains(&ratio);
        // A last-four search's page is not full at these sizes: it reads what matches.
        let counted = !b.label.contains("phone digits");
        all_ok &= ok || !counted;
        let _ = writeln!(
            w,
            "  {:<44} {:>8.2} / {:>8.2} = {:.3} {}",
            b.label,
            a.read_units_per_page,
            b.read_units_per_page,
            ratio,
            match (ok, counted) {
                (_, false) => "(not a full page: 1 match in 10k, ~10 in 100k)",
                (true, true) => "MET",
                (false, true) => "NOT MET",
            }
        );
    }
    let worst = big.shapes.iter().map(|s| s.p95).max().unwrap_or_default();
    let _ = writeln!(
        w,
        "p95 on SQLite, worst shape: {:.2} ms (target < 20 ms: {}); units ratio: {}",
        ms(worst),
        if worst < Duration::from_millis(20) {
            "MET"
        } else {
            "NOT MET"
        },
        if all_ok {
            "MET for every shape"
        } else {
            "NOT MET"
        }
    );
    let _ = writeln!(
        w,
        "Sort orders read their own index (GSI1–GSI7), search reads its two-letter partition of\n\
         search items and batch-gets the customers: no page depends on how many customers exist."
    );
    w
}
