//! Part (b): captures per second of the local server under `wrk` on loopback, beside a
//! minimal axum server that parses the same JSON and answers 201 without storing anything.
//!
//! Every request carries a different phone number (the Lua script below), so none is a
//! duplicate. After each run the server is shut down and its SQLite file opened afresh: the
//! leads stored there must be at least as many as the 201s wrk received.
//!
//! Each connection level runs several rounds, product and baseline alternating (each product
//! round on a fresh server and data dir), and compares medians: on a shared 2-core machine
//! one 10-second run of either varies by ±15 %. A durable server is latency-bound at low
//! concurrency (every 201 waits for an fsync, ~3 ms here, so 32 connections cap it near
//! 32 / 3 ms whatever its CPU); its throughput is its rate at saturation, where group commit
//! shares each fsync among the requests in flight.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use axum::extract::Path as UrlPath;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use crm_local::LocalConfig;
use crm_shared::adapters::sqlite::SqliteStore;
use crm_shared::ports::store::{Index, Query, SkCond, Store};
use crm_shared::store::{keys, tenants};
use serde_json::{json, Map, Value};

use crate::common::{self, Payload, Result, Scratch, TENANT};

#[derive(Debug, Clone, Copy, Default)]
pub struct WrkResult {
    /// CPU seconds of this process (the server under test) during the run.
    pub server_cpu_s: f64,
    /// Cores the whole machine kept busy during the run (wrk and anything else included).
    pub machine_cores_busy: f64,
    pub duration_s: f64,
    pub requests: u64,
    pub created: u64,
    pub other_status: u64,
    pub socket_errors: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl WrkResult {
    /// 201s per second.
    pub fn captures_per_s(&self) -> f64 {
        self.created as f64 / self.duration_s.max(1e-9)
    }

    /// Server CPU per 201, ms.
    pub fn cpu_ms_per_capture(&self) -> f64 {
        self.server_cpu_s * 1000.0 / (self.created as f64).max(1.0)
    }
}

/// One connection level: the rounds of each server.
#[derive(Debug, Clone)]
pub struct LevelReport {
    pub connections: u32,
    pub product: Vec<WrkResult>,
    pub baseline: Vec<WrkResult>,
    /// Leads found in the SQLite file after each product round.
    pub stored: Vec<u64>,
}

/// The median run (by captures per second) of a set of rounds.
pub fn median_run(runs: &[WrkResult]) -> WrkResult {
    let mut sorted = runs.to_vec();
    sorted.sort_by(|a, b| a.captures_per_s().total_cmp(&b.captures_per_s()));
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

impl LevelReport {
    pub fn ratio(&self) -> f64 {
        median_run(&self.product).captures_per_s()
            / median_run(&self.baseline).captures_per_s().max(1e-9)
    }

    /// Every round's 201s are in its SQLite file.
    pub fn durable(&self) -> bool {
        self.product
            .iter()
            .zip(&self.stored)
            .all(|(r, stored)| *stored >= r.created)
    }
}

#[derive(Debug, Clone)]
pub struct LoadReport {
    pub levels: Vec<LevelReport>,
    pub secs: u32,
    pub threads: u32,
    pub rounds: u32,
}

/// wrk's script: a distinct Irish mobile number per request (one prefix per thread), the
/// statuses counted per thread, and one machine-readable line at the end.
const WRK_LUA: &str = r#"
-- Written by crm-bench (bench/src/load.rs).
local threads = {}
local nthreads = 0
function setup(thread)
  nthreads = nthreads + 1
  thread:set("tid", nthreads)
  table.insert(threads, thread)
end

function init(args)
  prefix = ({ "83", "85", "86", "87", "89", "83", "85", "86" })[tid]
  -- threads 6..8 reuse a prefix with another million-range
  base = (tid > 5) and 5000000 or 0
  counter = 0
  created = 0
  other = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["User-Agent"] = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
end

function request()
  counter = counter + 1
  local n = base + counter
  local phone = string.format("0%s %03d %04d", prefix, math.floor(n / 10000) % 1000, n % 10000)
  local body = BODY:gsub("@PHONE@", phone):gsub("@T@", tostring(tid)):gsub("@N@", tostring(counter))
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status == 201 then created = created + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local c, o = 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created")
    o = o + t:get("other")
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH_JSON {\"duration_us\":%d,\"requests\":%d,\"created\":%d,\"other\":%d,\"socket_errors\":%d,\"p50_us\":%d,\"p99_us\":%d}\n",
    summary.duration, summary.requests, c, o,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"#;

/// A request body with placeholders the script fills (`@PHONE@`, `@T@` thread, `@N@`
/// counter): the same fields as `common::body(Payload::MetaAd, …)`.
fn lua_body_template() -> String {
    let sample = common::body(Payload::MetaAd, 87, 0);
    let mut v: Value = serde_json::from_str(&sample).unwrap_or(Value::Null);
    v["phone"] = "@PHONE@".into();
    v["email"] = "aoife.byrne.@T@.@N@@gmail.com".into();
    v.to_string()
}

fn lua_script() -> String {
    // A Lua long string needs no escaping (the body holds no "]]").
    format!("BODY = [[{}]]\n{WRK_LUA}", lua_body_template())
}

async fn run_wrk(
    url: &str,
    dir: &Path,
    secs: u32,
    threads: u32,
    connections: u32,
) -> Result<WrkResult> {
    let script = dir.join("capture.lua");
    std::fs::write(&script, lua_script())?;
    let cpu0 = common::process_cpu_s();
    let machine0 = common::machine_cpu();
    let output = tokio::process::Command::new("wrk")
        .arg(format!("-t{threads}"))
        .arg(format!("-c{connections}"))
        .arg(format!("-d{secs}s"))
        .args(["--timeout", "5s", "-s"])
        .arg(&script)
        .arg(url)
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| format!("cannot run wrk (apt-get install -y wrk): {e}"))?;
    let server_cpu_s = common::process_cpu_s() - cpu0;
    let machine1 = common::machine_cpu();
    let wall = (machine1.total - machine0.total).max(1e-9);
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1) as f64;
    let machine_cores_busy = (machine1.busy - machine0.busy) / wall * cores;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("BENCH_JSON "))
        .ok_or_else(|| {
            format!(
                "wrk printed no result ({}):\n{stdout}\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            )
        })?;
    let v: Value = serde_json::from_str(line)?;
    let n = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0);
    Ok(WrkResult {
        server_cpu_s,
        machine_cores_busy,
        duration_s: n("duration_us") as f64 / 1e6,
        requests: n("requests"),
        created: n("created"),
        other_status: n("other"),
        socket_errors: n("socket_errors"),
        p50_ms: n("p50_us") as f64 / 1000.0,
        p99_ms: n("p99_us") as f64 / 1000.0,
    })
}

/// The baseline: the same route, the same JSON parsed, a 201 like the product's, nothing kept.
fn baseline_router() -> Router {
    async fn capture(
        UrlPath(tenant): UrlPath<String>,
        Json(body): Json<Map<String, Value>>,
    ) -> impl IntoResponse {
        let ok = ["name", "phone"].iter().all(|f| {
            body.get(*f)
                .and_then(Value::as_str)
                .is_some_and(|s| !s.trim().is_empty())
        });
        if !ok {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({"title": "invalid"})),
            );
        }
        (
            StatusCode::CREATED,
            Json(json!({
                "lead_id": ulid::Ulid::new().to_string(),
                "redirect_url": format!("https://book.example.ie/{tenant}"),
                "duplicate": false,
            })),
        )
    }
    Router::new().route("/public/{tenant}/leads", post(capture))
}

/// Leads of the bench tenant in the SQLite file, read through a fresh connection.
async fn leads_on_disk(file: &Path) -> Result<u64> {
    let store = SqliteStore::open(file)?;
    let mut n = 0u64;
    let mut cursor = None;
    loop {
        let page = store
            .query(
                &Query::new(Index::Primary, keys::leads_pk(TENANT))
                    .sk(SkCond::All)
                    .limit(1000)
                    .after(cursor),
            )
            .await?;
        n += page.items.len() as u64;
        match page.next {
            Some(c) => cursor = Some(c),
            None => return Ok(n),
        }
    }
}

/// One product round: crm-local on a fresh data dir with one tenant, under wrk, then shut
/// down and its leads counted in the file.
async fn product_round(secs: u32, threads: u32, connections: u32) -> Result<(WrkResult, u64)> {
    let scratch = Scratch::new("load")?;
    let data_dir = scratch.path().join("data");
    let server = crm_local::start(LocalConfig {
        port: 0,
        data_dir: data_dir.clone(),
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
    let url = format!("{}/public/{TENANT}/leads", server.url());
    let run = run_wrk(&url, scratch.path(), secs, threads, connections).await?;
    server
        .shutdown()
        .await
        .map_err(|e| format!("crm-local shutdown: {e}"))?;
    let stored = leads_on_disk(&data_dir.join("crm.sqlite3")).await?;
    Ok((run, stored))
}

pub async fn measure(
    secs: u32,
    threads: u32,
    levels: &[u32],
    rounds: u32,
    progress: impl Fn(&str),
) -> Result<LoadReport> {
    let scratch = Scratch::new("baseline")?;
    // The baseline, on the same runtime and the same loopback, up for the whole measurement.
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let addr = listener.local_addr()?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, baseline_router())
            .with_graceful_shutdown(async move {
                let _ = stop_rx.await;
            })
            .await
    });
    // Let the listener come up before the load starts.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let baseline_url = format!("http://{addr}/public/{TENANT}/leads");

    let mut reports = Vec::new();
    for &connections in levels {
        let mut level = LevelReport {
            connections,
            product: Vec::new(),
            baseline: Vec::new(),
            stored: Vec::new(),
        };
        for round in 1..=rounds {
            progress(&format!(
                "(b) {connections} connections, round {round} of {rounds}: crm-local, then the baseline"
            ));
            let (run, stored) = product_round(secs, threads, connections).await?;
            level.product.push(run);
            level.stored.push(stored);
            level
                .baseline
                .push(run_wrk(&baseline_url, scratch.path(), secs, threads, connections).await?);
        }
        reports.push(level);
    }
    let _ = stop_tx.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
    Ok(LoadReport {
        levels: reports,
        secs,
        threads,
        rounds,
    })
}
