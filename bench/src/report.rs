//! Prices and the printed report of `crm-bench capture`.

use std::fmt::Write as _;

use crm_shared::ports::store::capacity::Units;

use crate::cold::{self, ColdReport};
use crate::common::{ms, Stats};
use crate::load::LoadReport;
use crate::moto::AdapterTimes;
use crate::units::{add, UnitsReport};

/// us-east-1 list prices, on demand.
pub mod price {
    /// DynamoDB on-demand, $ per million write request units.
    pub const DYNAMO_WRITE_PER_M: f64 = 0.625;
    /// DynamoDB on-demand, $ per million read request units.
    pub const DYNAMO_READ_PER_M: f64 = 0.125;
    /// Lambda arm64, $ per GB-second.
    pub const LAMBDA_GB_S: f64 = 0.000_013_333_4;
    /// Lambda, $ per million requests.
    pub const LAMBDA_REQ_PER_M: f64 = 0.20;
    /// Memory of every function (infra/template.yaml Globals), GB.
    pub const LAMBDA_GB: f64 = 0.25;
    /// API Gateway HTTP API, $ per million requests (first 300 M).
    pub const HTTP_API_PER_M: f64 = 1.00;
    /// EventBridge custom events, $ per million (64 KB chunks).
    pub const EVENTS_PER_M: f64 = 1.00;
}

pub struct Input<'a> {
    pub units: &'a [UnitsReport],
    pub times: Option<AdapterTimes>,
    pub load: Option<LoadReport>,
    pub cold: &'a [ColdReport],
    pub capture_binary_bytes: u64,
}

/// Lambda bills duration in 1 ms steps.
fn billed_ms(d: std::time::Duration) -> f64 {
    ms(d).ceil().max(1.0)
}

fn lambda_duration_per_m(billed_ms: f64) -> f64 {
    billed_ms / 1000.0 * price::LAMBDA_GB * price::LAMBDA_GB_S * 1e6
}

/// How counting happens for the leads of a tenant.
struct CountModel {
    label: String,
    /// Units of count runs per lead.
    count_units: Units,
    /// count_leads runs per lead (charged as if each run served this tenant alone: in AWS one
    /// scheduled invocation serves every tenant, so this over-counts).
    invocations: f64,
    /// Of those, runs that count nothing (their leads were counted by an earlier run).
    empty_runs: f64,
    /// Billed ms of the runs that count, per lead.
    count_ms: f64,
}

/// One column of the dollar table: $ per million leads, line by line.
struct Dollars {
    lines: Vec<(&'static str, f64)>,
}

impl Dollars {
    fn total(&self) -> f64 {
        self.lines.iter().map(|(_, v)| v).sum()
    }
}

fn dollars(u: &UnitsReport, times: &AdapterTimes, m: &CountModel, empty_units: Units) -> Dollars {
    let capture_ms = billed_ms(times.capture.p50);
    let empty_ms = billed_ms(times.count_empty.p50);
    let db = add(
        add(u.capture, m.count_units),
        Units {
            read: empty_units.read * m.empty_runs,
            write: empty_units.write * m.empty_runs,
        },
    );
    Dollars {
        lines: vec![
            ("API Gateway HTTP API request", price::HTTP_API_PER_M),
            ("Lambda capture_lead request", price::LAMBDA_REQ_PER_M),
            (
                "Lambda capture_lead duration",
                lambda_duration_per_m(capture_ms),
            ),
            (
                "EventBridge PutEvents (lead.captured, from the stream)",
                u.events_per_capture * price::EVENTS_PER_M,
            ),
            (
                // The stream consumer's invocations meet the leads as the counting job's do
                // (a batch per burst; at most 100 records a batch), at 1 ms each.
                "Lambda publish_events requests and duration",
                m.invocations.max(0.01) * (price::LAMBDA_REQ_PER_M + lambda_duration_per_m(1.0)),
            ),
            (
                "Lambda count_leads requests",
                m.invocations * price::LAMBDA_REQ_PER_M,
            ),
            (
                "Lambda count_leads duration",
                lambda_duration_per_m(m.count_ms) + m.empty_runs * lambda_duration_per_m(empty_ms),
            ),
            (
                "DynamoDB write request units",
                db.write * price::DYNAMO_WRITE_PER_M,
            ),
            (
                "DynamoDB read request units",
                db.read * price::DYNAMO_READ_PER_M,
            ),
        ],
    }
}

/// The floor any capture design pays: the HTTP request, one 1 ms Lambda invocation and one
/// plain PutItem of the lead.
fn floor_dollars(u: &UnitsReport) -> Dollars {
    Dollars {
        lines: vec![
            ("API Gateway HTTP API request", price::HTTP_API_PER_M),
            ("Lambda capture_lead request", price::LAMBDA_REQ_PER_M),
            ("Lambda capture_lead duration", lambda_duration_per_m(1.0)),
            (
                "EventBridge PutEvents (lead.captured, from the stream)",
                0.0,
            ),
            ("Lambda publish_events requests and duration", 0.0),
            ("Lambda count_leads requests", 0.0),
            ("Lambda count_leads duration", 0.0),
            (
                "DynamoDB write request units",
                u.plain_put.write * price::DYNAMO_WRITE_PER_M,
            ),
            (
                "DynamoDB read request units",
                u.plain_put.read * price::DYNAMO_READ_PER_M,
            ),
        ],
    }
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "MET"
    } else {
        "NOT MET"
    }
}

fn write_units(size: usize) -> f64 {
    size.max(1).div_ceil(1024) as f64
}

fn stats_ms(s: &Stats) -> String {
    format!("{:.2} ms (p90 {:.2}, n={})", ms(s.p50), ms(s.p90), s.n)
}

pub fn render(i: &Input) -> String {
    let mut o = String::new();
    let w = &mut o;
    let now = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC");
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let _ = writeln!(
        w,
        "Pipeline CRM — capture benchmark (scripts/bench capture), {now}, {cores} cores"
    );
    let _ = writeln!(
        w,
        "Every number below was measured in this run; each has its baseline beside it."
    );
    let _ = writeln!(w);

    if !i.units.is_empty() {
        render_units(w, i.units);
        if let Some(t) = &i.times {
            render_dollars(w, &i.units[0], t);
        }
    }
    if let Some(l) = &i.load {
        render_load(w, l);
    }
    if !i.cold.is_empty() {
        render_cold(w, i.cold, i.capture_binary_bytes);
    }
    o
}

fn render_units(w: &mut String, units: &[UnitsReport]) {
    let _ = writeln!(w, "(a) CAPACITY UNITS PER CAPTURED LEAD");
    let _ = writeln!(
        w,
        "    capacity meter of SqliteStore (DynamoDB sizing rules, DESIGN §4); captures through"
    );
    let _ = writeln!(
        w,
        "    crm_functions::dispatch(\"capture_lead\"); counting by stats::count_new_leads run with now"
    );
    let _ = writeln!(
        w,
        "    moved past COUNT_LAG, its units shared among the leads it counted."
    );
    for u in units {
        let _ = writeln!(w);
        let _ = writeln!(
            w,
            "  payload: {} — lead item {} B, phone claim {} B, {:.1} event(s) per capture",
            u.payload.label(),
            u.lead_item_bytes,
            u.claim_item_bytes,
            u.events_per_capture
        );
        let attrs: Vec<String> = u
            .largest_attrs
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        let _ = writeln!(w, "  largest lead attributes (B): {}", attrs.join(", "));
        let k = write_units(u.lead_item_bytes);
        let c = write_units(u.claim_item_bytes);
        let _ = writeln!(w, "  {:<62} {:>7} {:>7}", "", "RCU", "WCU");
        let row = |w: &mut String, label: &str, x: Units| {
            let _ = writeln!(w, "  {:<62} {:>7.2} {:>7.2}", label, x.read, x.write);
        };
        row(w, "capture request", u.capture);
        let _ = writeln!(
            w,
            "    = settings GetItem {:.0} RCU; phone claim {c:.0} + lead put {k:.0} + board GSI1 {k:.0}",
            u.capture.read
        );
        let _ = writeln!(
            w,
            "      + stale GSI2 {k:.0} + open task GSI3 {k:.0} + rate-limit counter 1 = {:.0} WCU",
            4.0 * k + c + 1.0
        );
        for cc in &u.counting {
            let label = if cc.batch == u.captures {
                format!(
                    "counting job, one run over all {} leads (per lead)",
                    cc.batch
                )
            } else if cc.batch == 1 {
                "counting job, a run per lead (quiet tenant)".to_owned()
            } else {
                format!("counting job, a run per {} leads (busy tenant)", cc.batch)
            };
            row(w, &label, cc.per_lead);
            let all = add(u.capture, cc.per_lead);
            let _ = writeln!(
                w,
                "  {:<62} {:>7.2} {:>7.2}   target ≤ 8 WCU: {}",
                "  = all-in per lead",
                all.read,
                all.write,
                verdict(all.write <= 8.0)
            );
        }
        row(
            w,
            "a count run that finds nothing new (per run)",
            u.empty_run,
        );
        row(
            w,
            "BASELINE: one plain PutItem of the same lead item",
            u.plain_put,
        );
        let brief = add(u.capture, u.counting[0].per_lead);
        let _ = writeln!(
            w,
            "  ratio all-in (one count run) / baseline: {:.1}× WCU; capture request alone {:.1}×",
            brief.write / u.plain_put.write.max(1e-9),
            u.capture.write / u.plain_put.write.max(1e-9)
        );
    }
}

fn render_dollars(w: &mut String, main: &UnitsReport, t: &AdapterTimes) {
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "(a) DOLLARS PER MILLION LEADS, ALL-IN, us-east-1 on-demand list prices ({})",
        main.payload.label()
    );
    let _ = writeln!(
        w,
        "    measured durations (AWS adapters against moto on loopback, plain HTTP):"
    );
    let _ = writeln!(
        w,
        "      capture_lead handler via dispatch   {}",
        stats_ms(&t.capture)
    );
    let _ = writeln!(
        w,
        "      count run, 1 lead                   {}",
        stats_ms(&t.count_1)
    );
    let _ = writeln!(
        w,
        "      count run, 10 leads                 {}",
        stats_ms(&t.count_10)
    );
    let _ = writeln!(
        w,
        "      count run, {} leads                {}",
        t.count_all_leads,
        stats_ms(&t.count_all)
    );
    let _ = writeln!(
        w,
        "      count run, nothing new              {}",
        stats_ms(&t.count_empty)
    );
    let _ = writeln!(
        w,
        "      first capture through fresh SDK clients {:.2} ms (phone metadata already loaded)",
        ms(t.first_capture)
    );
    let _ = writeln!(
        w,
        "      (same handler on the in-memory SQLite store, CPU only: {}; the process's first",
        stats_ms(&main.handler_cpu)
    );
    let _ = writeln!(
        w,
        "       capture {:.2} ms, lazily loaded state included)",
        ms(main.first_capture)
    );
    let n = main.captures as f64;
    let models = [
        CountModel {
            label: format!("1 run/{} leads", main.captures),
            count_units: main.counting[0].per_lead,
            invocations: 1.0 / n,
            empty_runs: 0.0,
            // The timed run on moto counted `count_all_leads` leads.
            count_ms: billed_ms(t.count_all.p50) / t.count_all_leads.max(1) as f64,
        },
        CountModel {
            label: "runs of 10".into(),
            count_units: main
                .counting
                .iter()
                .find(|c| c.batch == 10)
                .map(|c| c.per_lead)
                .unwrap_or_default(),
            invocations: 1.0 / 10.0,
            empty_runs: 0.0,
            count_ms: billed_ms(t.count_10.p50) / 10.0,
        },
        CountModel {
            label: "1 run per lead".into(),
            count_units: main
                .counting
                .iter()
                .find(|c| c.batch == 1)
                .map(|c| c.per_lead)
                .unwrap_or_default(),
            invocations: 1.0,
            empty_runs: 0.0,
            count_ms: billed_ms(t.count_1.p50),
        },
    ];
    let columns: Vec<(String, Dollars)> = models
        .iter()
        .map(|m| (m.label.clone(), dollars(main, t, m, main.empty_run)))
        .chain(std::iter::once((
            "BASELINE floor".to_owned(),
            floor_dollars(main),
        )))
        .collect();
    let _ = write!(w, "  {:<40}", "$ per million leads");
    for (label, _) in &columns {
        let _ = write!(w, " {:>16}", label);
    }
    let _ = writeln!(w);
    for (row, (name, _)) in columns[0].1.lines.iter().enumerate() {
        let _ = write!(w, "  {:<40}", name);
        for (_, d) in &columns {
            let _ = write!(w, " {:>16.3}", d.lines[row].1);
        }
        let _ = writeln!(w);
    }
    let _ = write!(w, "  {:<40}", "TOTAL");
    for (_, d) in &columns {
        let _ = write!(w, " {:>16.2}", d.total());
    }
    let _ = writeln!(w);
    let _ = write!(w, "  {:<40}", "target ≤ $8");
    for (label, d) in &columns {
        let v = if label.starts_with("BASELINE") {
            "-"
        } else {
            verdict(d.total() <= 8.0)
        };
        let _ = write!(w, " {:>16}", v);
    }
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "  columns: how the counting job meets the leads. \"1 run/{n}\" is the brief's method (all",
        n = main.captures
    );
    let _ = writeln!(
        w,
        "  captures, then one count run). \"runs of 10\": a busy tenant, ten leads per 5-minute run."
    );
    let _ = writeln!(
        w,
        "  \"1 run per lead\": a quiet tenant, one lead per run, each run charged as a whole Lambda"
    );
    let _ = writeln!(
        w,
        "  invocation although one scheduled invocation serves every tenant. BASELINE"
    );
    let _ = writeln!(
        w,
        "  floor: HTTP API + one 1 ms Lambda invocation + one plain PutItem of the lead item."
    );
    let _ = writeln!(w, "  price table (us-east-1, on demand, list):");
    let _ = writeln!(
        w,
        "    DynamoDB on-demand    ${:.3} per million write request units",
        price::DYNAMO_WRITE_PER_M
    );
    let _ = writeln!(
        w,
        "                          ${:.3} per million read request units",
        price::DYNAMO_READ_PER_M
    );
    let _ = writeln!(
        w,
        "    Lambda arm64          ${} per GB-second at {} MB, billed per 1 ms; ${:.2} per million requests",
        price::LAMBDA_GB_S,
        (price::LAMBDA_GB * 1024.0) as u32,
        price::LAMBDA_REQ_PER_M
    );
    let _ = writeln!(
        w,
        "    API Gateway HTTP API  ${:.2} per million requests",
        price::HTTP_API_PER_M
    );
    let _ = writeln!(
        w,
        "    EventBridge           ${:.2} per million custom events",
        price::EVENTS_PER_M
    );
    let _ = writeln!(
        w,
        "  not included: CloudWatch Logs ingestion, X-Ray traces (Tracing: Active), the schedule's"
    );
    let _ = writeln!(
        w,
        "  runs that find nothing (a fixed cost per tenant, ~2 RCU per 5 minutes), free tiers."
    );
}

fn render_load(w: &mut String, l: &LoadReport) {
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "(b) CAPTURES PER SECOND, local server under wrk on loopback ({} s runs, {} threads, a distinct",
        l.secs, l.threads
    );
    let _ = writeln!(
        w,
        "    phone per request, Meta ad payload; server and wrk share the machine's cores; {} rounds per",
        l.rounds
    );
    let _ = writeln!(
        w,
        "    level, crm-local (fresh data dir each round) and baseline alternating; medians, min – max)"
    );
    let _ = writeln!(
        w,
        "  {:<6} {:<36} {:>10} {:>17} {:>9} {:>8} {:>8} {:>9}",
        "conns", "", "captures/s", "(min – max)", "CPU/201", "p50 ms", "p99 ms", "busy"
    );
    for level in &l.levels {
        for (label, runs) in [
            ("crm-local (SQLite, durable before 201)", &level.product),
            ("BASELINE axum: parse JSON, 201, no store", &level.baseline),
        ] {
            let m = crate::load::median_run(runs);
            let (lo, hi) = runs.iter().fold((f64::MAX, 0.0_f64), |(lo, hi), r| {
                (lo.min(r.captures_per_s()), hi.max(r.captures_per_s()))
            });
            let _ = writeln!(
                w,
                "  {:<6} {:<36} {:>10.0} {:>17} {:>6.3} ms {:>8.2} {:>8.2} {:>9.2}",
                level.connections,
                label,
                m.captures_per_s(),
                format!("({lo:.0} – {hi:.0})"),
                m.cpu_ms_per_capture(),
                m.p50_ms,
                m.p99_ms,
                m.machine_cores_busy
            );
        }
        let all = level.product.iter().chain(&level.baseline);
        let (requests, others, sock) = all.fold((0, 0, 0), |(n, o, e), r| {
            (n + r.requests, o + r.other_status, e + r.socket_errors)
        });
        let _ = writeln!(
            w,
            "  {:<6} ratio crm-local / baseline {:.3}; {requests} requests: {others} answered other than 201, {sock} socket errors",
            level.connections,
            level.ratio(),
        );
        let _ = writeln!(
            w,
            "  {:<6} durability: every round's 201s found in its SQLite file, reopened after shutdown: {}",
            level.connections,
            if level.durable() { "OK" } else { "FAILED" }
        );
    }
    if let Some(top) = l.levels.last() {
        let _ = writeln!(
            w,
            "  ratio at saturation ({} connections): {:.3} (target ≥ 0.25: {})",
            top.connections,
            top.ratio(),
            verdict(top.ratio() >= 0.25 && top.durable())
        );
    }
    let _ = writeln!(
        w,
        "  CPU/201: the server process's CPU per 201 (baseline: per answer); busy: cores the whole"
    );
    let _ = writeln!(
        w,
        "  machine kept busy (server, wrk, anything else). At 32 connections crm-local is bound by"
    );
    let _ = writeln!(
        w,
        "  latency (each 201 waits for its group's fsync) with CPU to spare; at saturation, by CPU."
    );
}

fn render_cold(w: &mut String, cold: &[ColdReport], capture_binary_bytes: u64) {
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "(c) COLD START against a local Lambda Runtime API stub (init: exec → first GET …/invocation/next;"
    );
    let _ = writeln!(
        w,
        "    first invocation: event handed out → response posted); medians of the runs, AWS calls to moto"
    );
    let _ = writeln!(
        w,
        "    capture_lead binary: {:.1} MiB (the root Cargo.toml's release profile, linked without PIE)",
        capture_binary_bytes as f64 / 1_048_576.0
    );
    let _ = writeln!(
        w,
        "  {:<40} {:>10} {:>17} {:>12} {:>12} {:>8}",
        "", "init ms", "(min – max)", "1st inv. ms", "2nd inv. ms", "status"
    );
    for c in cold {
        let statuses: Vec<String> = {
            let mut s: Vec<String> = c
                .statuses
                .iter()
                .map(|s| s.map(|v| v.to_string()).unwrap_or_else(|| "-".into()))
                .collect();
            s.dedup();
            s
        };
        let _ = writeln!(
            w,
            "  {:<40} {:>10.2} {:>17} {:>12.2} {:>12.2} {:>8}",
            c.label,
            ms(c.init.p50),
            format!("({:.2} – {:.2})", ms(c.init.min), ms(c.init.max)),
            ms(c.invoke.p50),
            ms(c.warm.p50),
            statuses.join(",")
        );
    }
    let find = |label: &str| cold.iter().find(|c| c.label == label);
    if let (Some(hello), Some(capture)) = (find(cold::HELLO), find(cold::CAPTURE)) {
        let init_ratio = ms(capture.init.p50) / ms(hello.init.p50).max(1e-9);
        let first = ms(capture.invoke.p50);
        let warm = ms(capture.warm.p50);
        let _ = writeln!(
            w,
            "  ratio capture_lead / hello-world: init {init_ratio:.1}× (target ≤ 2×: {})",
            verdict(init_ratio <= 2.0)
        );
        let _ = writeln!(
            w,
            "  capture_lead's first invocation {first:.2} ms (target ≤ 25 ms: {}) = {warm:.2} ms that a warm one takes \
             (moto included) + {:.2} ms for being cold ({:.2}×)",
            verdict(first <= 25.0),
            first - warm,
            first / warm.max(1e-9)
        );
    }
    if let Some(p) = find(cold::PHASES) {
        let _ = writeln!(w, "  where capture_lead's init goes (phase marks of capture_phases, median ms after exec):");
        let mut last = 0.0;
        let names = [
            ("0_main", "exec → main (loader, relocation)"),
            ("1_tokio_runtime", "tokio runtime"),
            ("2_tracing", "tracing subscriber"),
            (
                "3_sdk_config_load",
                "aws_config load (env region and credentials)",
            ),
            (
                "4_clients_built",
                "SDK clients (DynamoDB; SQS and EventBridge on first use)",
            ),
            (
                "5_warmup_spawned",
                "warm-up GetItem started in the background",
            ),
            ("6_runtime_start", "Ctx"),
        ];
        for (key, label) in names {
            if let Some(at) = p.phases.get(key) {
                let _ = writeln!(
                    w,
                    "    {:<48} {:>8.2} (+{:.2})",
                    label,
                    at / 1000.0,
                    (at - last) / 1000.0
                );
                last = *at;
            }
        }
        let _ = writeln!(
            w,
            "    {:<48} {:>8.2} (+{:.2})",
            "lambda runtime → first poll",
            ms(p.init.p50),
            ms(p.init.p50) - last / 1000.0
        );
        if let Some(nr) = find(cold::NATIVE_ROOTS) {
            let load = |r: &cold::ColdReport| {
                (r.phases
                    .get("3_sdk_config_load")
                    .copied()
                    .unwrap_or(f64::NAN)
                    - r.phases.get("2_tracing").copied().unwrap_or(f64::NAN))
                    / 1000.0
            };
            let _ = writeln!(
                w,
                "  trust store: Amazon's six roots, aws_config load {:.2} ms, init {:.2} ms; the SDK's default (the system CA bundle, SSL_CERT_FILE set): {:.2} ms, init {:.2} ms ({:.1}× hello-world)",
                load(p),
                ms(p.init.p50),
                load(nr),
                ms(nr.init.p50),
                find(cold::HELLO).map(|h| ms(nr.init.p50) / ms(h.init.p50).max(1e-9)).unwrap_or(f64::NAN)
            );
        }
        if let Some(pp) = find(cold::PRELOAD_PHONE) {
            let load = pp
                .phases
                .get("5b_phone_metadata")
                .copied()
                .unwrap_or(f64::NAN)
                - pp.phases
                    .get("5_warmup_spawned")
                    .copied()
                    .unwrap_or(f64::NAN);
            let _ = writeln!(
                w,
                "  phone-number metadata (phonenumber's database, loaded lazily by the first normalisation):"
            );
            let _ = writeln!(
                w,
                "    loading it in init takes {:.2} ms (init {:.2} ms); the first invocation then takes {:.2} ms instead of {:.2}",
                load / 1000.0,
                ms(pp.init.p50),
                ms(pp.invoke.p50),
                ms(p.invoke.p50)
            );
        }
        if let Some(aw) = find(cold::AWAIT_WARMUP) {
            let _ = writeln!(
                w,
                "  init awaiting the warm-up GetItem (the previous design): init {:.2} ms ({:+.2}), first invocation {:.2} ms ({:+.2})",
                ms(aw.init.p50),
                ms(aw.init.p50) - ms(p.init.p50),
                ms(aw.invoke.p50),
                ms(aw.invoke.p50) - ms(p.invoke.p50)
            );
        }
    }
    let _ = writeln!(
        w,
        "  caveat: moto is plain HTTP on loopback, so the warm-up here pays no DNS or TLS handshake; in AWS"
    );
    let _ = writeln!(
        w,
        "  the background warm-up overlaps that handshake with the first invocation's CPU work instead."
    );
}
