//! Part (c): cold start of a Lambda function binary, measured against a local stub of the
//! Lambda Runtime API.
//!
//! For each run a fresh stub listens on a free loopback port and the binary is exec'd with
//! `AWS_LAMBDA_RUNTIME_API` pointing at it. Init is the time from exec to the binary's first
//! `GET /2018-06-01/runtime/invocation/next`; the first invocation is the time from the stub
//! handing out the event to the binary posting its response. A second event then goes to the
//! same process: that warm invocation is what any invocation costs (moto included), so the
//! first one's excess over it is what being cold costs. The binary is then killed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::Value;
use tokio::sync::Notify;

use crate::common::{self, Child, Result, Scratch, Stats};

pub const HELLO: &str = "hello-world lambda_runtime (baseline)";
pub const CAPTURE: &str = "capture_lead";
pub const PHASES: &str = "capture_lead init, phase by phase";
pub const AWAIT_WARMUP: &str = "same, init awaiting the warm-up GetItem";
pub const NATIVE_ROOTS: &str = "same, trusting the system CA bundle";
pub const PRELOAD_PHONE: &str = "same, phone metadata loaded in init";

const REQUEST_ID: &str = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";

#[derive(Default)]
struct StubState {
    /// The events still to hand out, in order.
    events: std::collections::VecDeque<String>,
    first_poll: Option<Instant>,
    /// When each event was handed out.
    sent: Vec<Instant>,
    /// Each response, when it was posted.
    responses: Vec<(Instant, String)>,
    error: Option<String>,
}

#[derive(Clone)]
struct Stub {
    state: Arc<Mutex<StubState>>,
    done: Arc<Notify>,
    /// Releases the polls that wait for a second invocation when the run ends.
    stop: Arc<Notify>,
}

async fn next(State(stub): State<Stub>) -> Response {
    let event = {
        let mut s = stub.state.lock().unwrap_or_else(|p| p.into_inner());
        if s.first_poll.is_none() {
            s.first_poll = Some(Instant::now());
        }
        let e = s.events.pop_front();
        if e.is_some() {
            s.sent.push(Instant::now());
        }
        e
    };
    match event {
        Some(body) => {
            let mut headers = HeaderMap::new();
            let deadline = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_millis()
                + 10_000;
            let mut put = |k: &'static str, v: String| {
                if let Ok(v) = HeaderValue::from_str(&v) {
                    headers.insert(k, v);
                }
            };
            put("lambda-runtime-aws-request-id", REQUEST_ID.into());
            put("lambda-runtime-deadline-ms", deadline.to_string());
            put(
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:us-east-1:123456789012:function:bench".into(),
            );
            put(
                "lambda-runtime-trace-id",
                "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1".into(),
            );
            put("content-type", "application/json".into());
            (StatusCode::OK, headers, body).into_response()
        }
        // The run's events are out: later polls wait until the run ends.
        None => {
            tokio::select! {
                () = stub.stop.notified() => {}
                () = tokio::time::sleep(Duration::from_secs(120)) => {}
            }
            StatusCode::GONE.into_response()
        }
    }
}

async fn respond(
    State(stub): State<Stub>,
    UrlPath(_id): UrlPath<String>,
    body: Bytes,
) -> StatusCode {
    let all_answered = {
        let mut s = stub.state.lock().unwrap_or_else(|p| p.into_inner());
        s.responses
            .push((Instant::now(), String::from_utf8_lossy(&body).into_owned()));
        s.events.is_empty()
    };
    if all_answered {
        stub.done.notify_one();
    }
    StatusCode::ACCEPTED
}

async fn fail(State(stub): State<Stub>, body: Bytes) -> StatusCode {
    {
        let mut s = stub.state.lock().unwrap_or_else(|p| p.into_inner());
        s.error = Some(String::from_utf8_lossy(&body).into_owned());
    }
    stub.done.notify_one();
    StatusCode::ACCEPTED
}

fn stub_router(stub: Stub) -> Router {
    Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(respond),
        )
        .route(
            "/2018-06-01/runtime/invocation/{id}/error",
            post(
                |State(stub): State<Stub>, _id: UrlPath<String>, body: Bytes| {
                    fail(State(stub), body)
                },
            ),
        )
        .route("/2018-06-01/runtime/init/error", post(fail))
        .with_state(stub)
}

/// One cold start.
#[derive(Debug, Clone)]
pub struct ColdRun {
    /// exec → first poll of the runtime API.
    pub init: Duration,
    /// event handed out → response posted.
    pub invoke: Duration,
    /// The same for a second event to the same (now warm) process.
    pub warm: Duration,
    /// `statusCode` of the response (API Gateway proxy responses), if it has one.
    pub status: Option<u64>,
    /// Phase marks printed by `capture_phases` (µs after exec).
    pub phases: BTreeMap<String, f64>,
}

/// What to run: a binary and its environment on top of the Lambda one.
#[derive(Debug, Clone)]
pub struct Target {
    pub label: String,
    pub binary: PathBuf,
    pub env: Vec<(String, String)>,
}

fn epoch_us(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64()
        * 1e6
}

/// Runs `target` once, cold, handing it `event` and then `warm_event`.
pub async fn run_once(
    target: &Target,
    event: &str,
    warm_event: &str,
    scratch: &Path,
) -> Result<ColdRun> {
    let stub = Stub {
        state: Arc::new(Mutex::new(StubState {
            events: [event.to_owned(), warm_event.to_owned()].into(),
            ..StubState::default()
        })),
        done: Arc::new(Notify::new()),
        stop: Arc::new(Notify::new()),
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let port = listener.local_addr()?.port();
    let router = stub_router(stub.clone());
    let server = tokio::spawn(async move { axum::serve(listener, router).await });

    let log = scratch.join(format!(
        "{}-{}.log",
        target
            .label
            .replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
        ulid::Ulid::new()
    ));
    let out = std::fs::File::create(&log)?;
    let err = out.try_clone()?;
    let mut command = tokio::process::Command::new(&target.binary);
    command
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", format!("127.0.0.1:{port}"))
        .env("AWS_LAMBDA_FUNCTION_NAME", "bench")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bench")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .env("RUST_LOG", "info")
        .envs(target.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err));
    let exec_wall = SystemTime::now();
    let exec = Instant::now();
    let child = Child::spawn(&target.label, command)?;
    let finished = tokio::time::timeout(Duration::from_secs(60), stub.done.notified()).await;
    child.stop().await;
    stub.stop.notify_waiters();
    server.abort();
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    if finished.is_err() {
        return Err(format!(
            "{} did not answer within 60 s; its output:\n{logged}",
            target.label
        )
        .into());
    }
    let s = stub.state.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(e) = &s.error {
        return Err(format!("{} reported an error: {e}\n{logged}", target.label).into());
    }
    let (Ok([sent, warm_sent]), Ok([(answered, body), (warm_answered, _)])) = (
        <[Instant; 2]>::try_from(s.sent.clone()),
        <[(Instant, String); 2]>::try_from(s.responses.clone()),
    ) else {
        return Err(format!("{}: incomplete exchange\n{logged}", target.label).into());
    };
    let Some(first_poll) = s.first_poll else {
        return Err(format!("{}: never polled\n{logged}", target.label).into());
    };
    let status = serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|v| v.get("statusCode").and_then(Value::as_u64));
    // Phase marks: `BENCH_PHASE name epoch_us` lines from capture_phases.
    let start_us = epoch_us(exec_wall);
    let phases = logged
        .lines()
        .filter_map(|l| l.strip_prefix("BENCH_PHASE "))
        .filter_map(|l| {
            let (name, at) = l.split_once(' ')?;
            Some((name.to_owned(), at.trim().parse::<f64>().ok()? - start_us))
        })
        .collect();
    Ok(ColdRun {
        init: first_poll - exec,
        invoke: answered - sent,
        warm: warm_answered - warm_sent,
        status,
        phases,
    })
}

/// Summary of several cold starts of one target.
#[derive(Debug, Clone)]
pub struct ColdReport {
    pub label: String,
    pub init: Stats,
    pub invoke: Stats,
    pub warm: Stats,
    pub statuses: Vec<Option<u64>>,
    /// Median µs after exec of each phase mark.
    pub phases: BTreeMap<String, f64>,
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// `runs` cold starts of each target, interleaved, after one unmeasured start of each (page
/// cache). `event` gives the event of the i-th run.
pub async fn measure(
    targets: &[Target],
    runs: usize,
    event: impl Fn(usize) -> String,
) -> Result<Vec<ColdReport>> {
    let scratch = Scratch::new("cold")?;
    let mut all: Vec<Vec<ColdRun>> = vec![Vec::new(); targets.len()];
    let mut i = 0;
    for round in 0..=runs {
        for (t, target) in targets.iter().enumerate() {
            i += 1;
            let run = run_once(target, &event(i), &event(i + 100_000), scratch.path()).await?;
            if round > 0 {
                all[t].push(run);
            }
        }
    }
    Ok(targets
        .iter()
        .zip(all)
        .map(|(target, runs)| {
            let mut names: Vec<String> =
                runs.iter().flat_map(|r| r.phases.keys().cloned()).collect();
            names.sort();
            names.dedup();
            let phases = names
                .into_iter()
                .map(|n| {
                    let v = runs
                        .iter()
                        .filter_map(|r| r.phases.get(&n).copied())
                        .collect();
                    (n, median(v))
                })
                .collect();
            ColdReport {
                label: target.label.clone(),
                init: Stats::of(&runs.iter().map(|r| r.init).collect::<Vec<_>>()),
                invoke: Stats::of(&runs.iter().map(|r| r.invoke).collect::<Vec<_>>()),
                warm: Stats::of(&runs.iter().map(|r| r.warm).collect::<Vec<_>>()),
                statuses: runs.iter().map(|r| r.status).collect(),
                phases,
            }
        })
        .collect())
}

/// The system CA bundle file: Amazon Linux 2023's, or this machine's equivalent (Debian's).
pub fn ca_bundle() -> Option<&'static str> {
    [
        "/etc/pki/tls/certs/ca-bundle.crt",
        "/etc/ssl/certs/ca-certificates.crt",
    ]
    .into_iter()
    .find(|p| Path::new(p).is_file())
}

/// The environment the capture function gets in AWS, pointed at moto.
pub fn capture_env(moto_endpoint: &str, table: &str, bus: &str) -> Vec<(String, String)> {
    [
        // The one bootstrap binary serves the function Lambda names here.
        ("_HANDLER", "capture_lead"),
        ("TABLE_NAME", table),
        ("EVENT_BUS_NAME", bus),
        ("AWS_REGION", "us-east-1"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_SESSION_TOKEN", "test"),
        ("AWS_ENDPOINT_URL", moto_endpoint),
        // As in Lambda: no profile files to read.
        ("AWS_CONFIG_FILE", "/nonexistent/aws-config"),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/aws-credentials",
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

pub fn event_for(i: usize) -> String {
    common::capture_event(&common::body(common::Payload::Minimal, 89, i as u64)).to_string()
}
