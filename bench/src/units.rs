//! Part (a): read and write units per captured lead, from the store's capacity meter.
//!
//! Captures go through the real handler (`crm_functions::dispatch("capture_lead", …)`) on a
//! `SqliteStore`, whose meter counts units by DynamoDB's sizing rules (DESIGN §4). The
//! counting job the capture causes (`stats::count_new_leads`, run by the 5-minute schedule) is
//! run afterwards with the clock moved past `COUNT_LAG`, and its units are shared among the
//! leads it counted. The baseline is one plain PutItem of the same lead item: no
//! transaction, no phone claim, no index attributes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use crm_functions::Ctx;
use crm_shared::adapters::sqlite::SqliteStore;
use crm_shared::ports::clock::{Clock, FixedClock};
use crm_shared::ports::store::capacity::{item_size, Units};
use crm_shared::ports::store::{table, Item, Key, Store, Write, PK};
use crm_shared::store::{keys, stats, tenants};
use serde_json::Value;

use crate::common::{self, CountingBus, Payload, Result, TENANT};

/// Units per lead of one way of counting: a count run every `batch` leads.
#[derive(Debug, Clone, Copy)]
pub struct CountCost {
    pub batch: usize,
    /// Units of the count runs, per lead counted.
    pub per_lead: Units,
}

#[derive(Debug, Clone)]
pub struct UnitsReport {
    pub payload: Payload,
    pub captures: usize,
    pub lead_item_bytes: usize,
    pub claim_item_bytes: usize,
    /// The capture request itself (settings read, lead + claim transaction, index writes).
    pub capture: Units,
    /// Count runs, each counting `batch` leads (the largest is all captures in one run).
    pub counting: Vec<CountCost>,
    /// A count run that finds nothing new (a wake-up whose leads were already counted).
    pub empty_run: Units,
    /// Baseline: one plain PutItem of the same lead item without index attributes.
    pub plain_put: Units,
    /// `lead.captured` events per capture (published from the change log).
    pub events_per_capture: f64,
    /// Handler wall time per capture on the in-memory store (CPU only, no network, no fsync),
    /// the first one left out.
    pub handler_cpu: common::Stats,
    /// The first capture of the process: what lazily initialised state costs once.
    pub first_capture: Duration,
    /// The lead item's largest attributes (name + value bytes), largest first.
    pub largest_attrs: Vec<(String, usize)>,
}

pub fn per(u: Units, n: usize) -> Units {
    let n = n.max(1) as f64;
    Units {
        read: u.read / n,
        write: u.write / n,
    }
}

pub fn add(a: Units, b: Units) -> Units {
    Units {
        read: a.read + b.read,
        write: a.write + b.write,
    }
}

struct Bench {
    store: SqliteStore,
    clock: Arc<FixedClock>,
    bus: Arc<CountingBus>,
    ctx: Ctx,
    payload: Payload,
    next: u64,
}

impl Bench {
    async fn new(payload: Payload, start: DateTime<Utc>) -> Result<Bench> {
        let store = SqliteStore::in_memory()?;
        let clock = Arc::new(FixedClock::at(start));
        let bus = Arc::new(CountingBus::default());
        let ctx = common::ctx(Arc::new(store.clone()), bus.clone(), clock.clone())?;
        tenants::create(&store, &common::tenant_settings()).await?;
        Ok(Bench {
            store,
            clock,
            bus,
            ctx,
            payload,
            next: 0,
        })
    }

    fn units(&self) -> Units {
        self.store.meter().snapshot()
    }

    /// One capture through the handler, a second after the previous one; its lead id.
    async fn capture(&mut self) -> Result<(String, Duration)> {
        self.next += 1;
        self.clock.advance(chrono::Duration::seconds(1));
        let request = common::capture_request(&common::body(self.payload, 87, self.next))?;
        let started = Instant::now();
        let response = crm_functions::dispatch("capture_lead", &self.ctx, request)
            .await
            .ok_or("dispatch does not know capture_lead")?;
        let took = started.elapsed();
        let status = response.status();
        let body: Value = match response.body() {
            lambda_http::Body::Text(t) => serde_json::from_str(t)?,
            _ => Value::Null,
        };
        if status != http::StatusCode::CREATED {
            return Err(format!("capture answered {status}: {body}").into());
        }
        let id = body
            .get("lead_id")
            .and_then(Value::as_str)
            .ok_or("capture answered no lead_id")?
            .to_owned();
        Ok((id, took))
    }

    /// Runs the counting job past the lag; the number of leads it counted.
    async fn count(&self) -> Result<usize> {
        self.clock
            .advance(stats::COUNT_LAG + chrono::Duration::seconds(1));
        Ok(stats::count_new_leads(&self.store, TENANT, self.clock.now()).await?)
    }
}

/// Measures `captures` captures of `payload` and the counting they cause, counted in runs of
/// each size in `batches` (plus one run over all of them).
pub async fn measure(payload: Payload, captures: usize, batches: &[usize]) -> Result<UnitsReport> {
    let start = Utc::now();
    let mut b = Bench::new(payload, start).await?;

    // The captures, then one count run over all of them (as the brief describes).
    let before = b.units();
    let mut ids = Vec::new();
    let mut took = Vec::new();
    for _ in 0..captures {
        let (id, t) = b.capture().await?;
        ids.push(id);
        took.push(t);
    }
    let capture = per(b.units() - before, captures);
    // Events come from the change log (the table's stream in the cloud): what a capture
    // publishes itself plus what its changes report.
    let mut derived = 0;
    for (_, change) in b.store.changes(u32::MAX).await? {
        derived += crm_shared::store::stream::events_of(&change)?.len();
    }
    let events_per_capture = (b.bus.count() + derived) as f64 / captures as f64;
    let before = b.units();
    let counted = b.count().await?;
    if counted != captures {
        return Err(format!("the count run counted {counted} of {captures} leads").into());
    }
    let mut counting = vec![CountCost {
        batch: captures,
        per_lead: per(b.units() - before, captures),
    }];

    // A count run with nothing new: what every further wake-up of the same leads costs.
    let before = b.units();
    let counted = b.count().await?;
    if counted != 0 {
        return Err(format!("an idle count run counted {counted} leads").into());
    }
    let empty_run = b.units() - before;

    // Smaller runs: `batch` captures, then a count run, a few times over.
    for &batch in batches {
        let rounds = (40 / batch).max(3);
        let mut spent = Units::default();
        for _ in 0..rounds {
            for _ in 0..batch {
                b.capture().await?;
            }
            let before = b.units();
            let counted = b.count().await?;
            if counted != batch {
                return Err(format!("a count run counted {counted} of {batch} leads").into());
            }
            spent = add(spent, b.units() - before);
        }
        counting.push(CountCost {
            batch,
            per_lead: per(spent, batch * rounds),
        });
    }

    // The stored items, and the baseline: the same lead item put once, plainly.
    let first = ids.first().ok_or("no capture")?;
    let lead: Item = b
        .store
        .get(&keys::lead(TENANT, first))
        .await?
        .ok_or("the captured lead is not stored")?;
    let lead_value: Value = Value::Object(lead.clone());
    let phone = lead_value
        .get("phone")
        .and_then(Value::as_str)
        .ok_or("stored lead has no phone")?;
    let claim = b
        .store
        .get(&keys::phone_claim(TENANT, phone))
        .await?
        .ok_or("the phone claim is not stored")?;
    let mut plain = lead.clone();
    for n in 1..=table::GSI_COUNT {
        plain.remove(&table::gsi_pk(n));
        plain.remove(&table::gsi_sk(n));
    }
    plain.insert(PK.into(), format!("BASELINE#{TENANT}#LEADS").into());
    let before = b.units();
    b.store.write(Write::put(plain.clone())).await?;
    let plain_put = b.units() - before;
    // The baseline item must be where it was put, as a sanity check of the meter's subject.
    let key = Key::of(&plain).ok_or("baseline item has no key")?;
    if b.store.get(&key).await?.is_none() {
        return Err("the baseline put did not store its item".into());
    }

    Ok(UnitsReport {
        payload,
        captures,
        lead_item_bytes: item_size(&lead),
        claim_item_bytes: item_size(&claim),
        capture,
        counting,
        empty_run,
        plain_put,
        events_per_capture,
        handler_cpu: common::Stats::of(took.get(1..).unwrap_or_default()),
        first_capture: took.first().copied().unwrap_or_default(),
        largest_attrs: largest_attrs(&lead, 8),
    })
}

/// The `n` largest attributes of an item by DynamoDB size (name + value).
fn largest_attrs(item: &Item, n: usize) -> Vec<(String, usize)> {
    let mut sizes: Vec<(String, usize)> = item
        .iter()
        .map(|(k, v)| {
            let mut one = Item::new();
            one.insert(k.clone(), v.clone());
            (k.clone(), item_size(&one))
        })
        .collect();
    sizes.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    sizes.truncate(n);
    sizes
}
