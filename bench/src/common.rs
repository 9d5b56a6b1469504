//! What the benchmarks share: capture payloads, API Gateway events, statistics, a counting
//! event bus, the handlers' context, and child processes that are stopped when dropped.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crm_functions::{Ctx, Ports};
use crm_shared::adapters::local_capi::RecordingCapi;
use crm_shared::adapters::local_queue::LocalQueue;
use crm_shared::adapters::outbox::Outbox;
use crm_shared::domain::events::Event;
use crm_shared::domain::tenant::{CaptureLimits, TenantSettings};
use crm_shared::http::routes::{Route, ROUTES};
use crm_shared::ports::bus::{BusError, EventBus};
use crm_shared::ports::clock::Clock;
use crm_shared::ports::store::Store;
use serde_json::{json, Value};

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The tenant every benchmark captures into.
pub const TENANT: &str = "bench";

/// The bench tenant: its capture limits at their highest, so every capture pays for the
/// rate-limit counter but none is refused (the load comes from one address).
pub fn tenant_settings() -> TenantSettings {
    let mut settings = TenantSettings::new(
        TENANT,
        "Bench Day Spa",
        "IE",
        "https://book.example.ie/bench",
    );
    settings.capture_limits = CaptureLimits {
        per_minute: CaptureLimits::MAX_PER_MINUTE,
        per_client_per_minute: CaptureLimits::MAX_PER_CLIENT_PER_MINUTE,
    };
    settings
}

/// The handlers' context on `store`, `bus` and `clock`; the queues in memory, texts to an
/// outbox and conversion events recorded: nothing a benchmark times leaves the process.
pub fn ctx(store: Arc<dyn Store>, bus: Arc<dyn EventBus>, clock: Arc<dyn Clock>) -> Result<Ctx> {
    let queue = LocalQueue::in_memory(clock.clone())?;
    Ok(Ctx::new(Ports {
        store,
        bus,
        clock,
        queue: Arc::new(queue),
        sms: Arc::new(Outbox::new()),
        capi: Arc::new(RecordingCapi::new()),
        directory: Arc::new(crm_shared::ports::directory::SelfSignUp),
        vault: Arc::new(crm_shared::adapters::local_vault::LocalVault::ephemeral()),
    }))
}

/// The two shapes of lead the benchmarks capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// The sample event's body (events/http/capture_lead.json): name, phone, service, utm_source.
    Minimal,
    /// A prospect from a Meta ad on a phone: email, message, consent, campaign parameters,
    /// fbclid, fbp, landing URL and referrer (the product's main case, DESIGN §1).
    MetaAd,
}

impl Payload {
    pub fn label(self) -> &'static str {
        match self {
            Payload::Minimal => "minimal form (sample event body)",
            Payload::MetaAd => "Meta ad lead (utm, fbclid, fbp, URL)",
        }
    }
}

pub const IPHONE_UA: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const FBCLID: &str =
    "IwZXh0bgNhZW0BMABhZGlkAasWvQ3uKnwBHU7mS4o8v2eQf3fXbQnY1c5hPq0sVt9rJkLw_aem_Zx4yR2pQ";

/// An Irish mobile number, unique for each `(prefix, n)` (prefix one of 83, 85, 86, 87, 89).
pub fn phone(prefix: u32, n: u64) -> String {
    format!("0{prefix} {:03} {:04}", (n / 10_000) % 1000, n % 10_000)
}

/// The JSON body of capture number `n`.
pub fn body(payload: Payload, prefix: u32, n: u64) -> String {
    let phone = phone(prefix, n);
    let v = match payload {
        Payload::Minimal => json!({
            "name": "Ann Murphy",
            "phone": phone,
            "service": "Massage",
            "utm_source": "facebook",
        }),
        Payload::MetaAd => json!({
            "name": "Aoife Byrne",
            "phone": phone,
            "email": format!("aoife.byrne{n}@gmail.com"),
            "service": "Deep tissue massage",
            "message": "Is Saturday morning possible? First time visiting.",
            "consent": true,
            "utm_source": "facebook",
            "utm_medium": "paid_social",
            "utm_campaign": "autumn_massage_offer",
            "utm_content": "carousel_v2",
            "fbclid": FBCLID,
            "fbp": "fb.1.1763904000000.1234567890",
            "page_url": format!("https://book.example.ie/p/{TENANT}/book?utm_source=facebook&utm_medium=paid_social&utm_campaign=autumn_massage_offer&utm_content=carousel_v2&fbclid={FBCLID}"),
            "referrer": "https://l.facebook.com/",
        }),
    };
    v.to_string()
}

fn capture_route() -> &'static Route {
    ROUTES
        .iter()
        .find(|r| r.function == "capture_lead")
        .unwrap_or_else(|| panic!("the route table has no capture_lead"))
}

/// The API Gateway HTTP API (payload 2.0) event of a capture, as crm-local builds it.
pub fn capture_event(body: &str) -> Value {
    let mut headers = http::HeaderMap::new();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    headers.insert(
        http::header::USER_AGENT,
        http::HeaderValue::from_static(IPHONE_UA),
    );
    let peer = SocketAddr::from(([198, 51, 100, 23], 443));
    let request = crm_local::gateway::api_gateway_request(
        capture_route(),
        &http::Method::POST,
        &format!("/public/{TENANT}/leads"),
        None,
        &headers,
        body.as_bytes(),
        peer,
        None,
    );
    serde_json::to_value(request).unwrap_or(Value::Null)
}

/// A lambda_http request for a capture, parsed from its API Gateway event.
pub fn capture_request(body: &str) -> Result<lambda_http::Request> {
    Ok(lambda_http::request::from_str(
        &capture_event(body).to_string(),
    )?)
}

/// Summary statistics of a sample of durations.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stats {
    pub n: usize,
    pub min: Duration,
    pub p50: Duration,
    pub p90: Duration,
    pub max: Duration,
}

impl Stats {
    pub fn of(samples: &[Duration]) -> Stats {
        if samples.is_empty() {
            return Stats::default();
        }
        let mut s = samples.to_vec();
        s.sort();
        let at = |q: f64| s[((s.len() - 1) as f64 * q).round() as usize];
        Stats {
            n: s.len(),
            min: s[0],
            p50: at(0.5),
            p90: at(0.9),
            max: s[s.len() - 1],
        }
    }
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// An event bus that keeps nothing and counts what was published (PutEvents entries).
#[derive(Debug, Default)]
pub struct CountingBus {
    events: AtomicUsize,
}

impl CountingBus {
    pub fn count(&self) -> usize {
        self.events.load(Ordering::Relaxed)
    }
}

#[async_trait::async_trait]
impl EventBus for CountingBus {
    async fn publish(&self, events: Vec<Event>) -> Result<(), BusError> {
        self.events.fetch_add(events.len(), Ordering::Relaxed);
        Ok(())
    }
}

/// A child process this benchmark started; killed (by its own handle) when dropped.
pub struct Child {
    child: tokio::process::Child,
}

impl Child {
    pub fn spawn(name: &str, mut command: tokio::process::Command) -> Result<Child> {
        command.kill_on_drop(true).stdin(Stdio::null());
        let child = command
            .spawn()
            .map_err(|e| format!("cannot start {name}: {e}"))?;
        Ok(Child { child })
    }

    pub async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

/// A free loopback port.
pub fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Waits until something accepts connections on `port`.
pub async fn wait_for_port(port: u16, within: Duration) -> Result<()> {
    let started = Instant::now();
    loop {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(());
        }
        if started.elapsed() > within {
            return Err(format!("nothing listens on 127.0.0.1:{port} after {within:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A fresh scratch directory under the system temp dir, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(what: &str) -> Result<Scratch> {
        let dir = std::env::temp_dir().join(format!(
            "crm-bench-{what}-{}",
            ulid::Ulid::new().to_string().to_lowercase()
        ));
        std::fs::create_dir_all(&dir)?;
        Ok(Scratch(dir))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// CPU seconds this process has used so far (all threads, user + system).
pub fn process_cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// Busy and total CPU time of the whole machine so far (seconds, from /proc/stat).
#[derive(Debug, Clone, Copy, Default)]
pub struct MachineCpu {
    pub busy: f64,
    pub total: f64,
}

pub fn machine_cpu() -> MachineCpu {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let line = stat.lines().next().unwrap_or("");
    let v: Vec<f64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    let total: f64 = v.iter().take(8).sum();
    // idle and iowait are the 4th and 5th.
    let idle = v.get(3).copied().unwrap_or(0.0) + v.get(4).copied().unwrap_or(0.0);
    MachineCpu {
        busy: (total - idle) / 100.0,
        total: total / 100.0,
    }
}
