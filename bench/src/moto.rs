//! A moto server for the parts that run the AWS adapters: the table, the bus and the tenant
//! the capture function needs, and the handler's duration through the real adapters.

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;
use chrono::Utc;
use crm_functions::Ctx;
use crm_shared::adapters::dynamo::DynamoStore;
use crm_shared::adapters::eventbridge::EventBridgeBus;
use crm_shared::ports::clock::{Clock, FixedClock};
use crm_shared::store::{stats, tenants};

use crate::common::{self, Child, Error, Payload, Result, Stats, TENANT};

pub const REGION: &str = "us-east-1";
pub const TABLE: &str = "crm-bench";
pub const BUS: &str = "crm-bench-bus";

pub struct Moto {
    child: Child,
    pub port: u16,
    pub sdk: SdkConfig,
}

impl Moto {
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Starts `moto_server` — as the tests do, through `tests/python/moto_atomic.py` (the
    /// venv's python beside it) when that is there: plain moto runs DynamoDB requests on
    /// threads without a lock and fails concurrent transactions with a 500 — then creates
    /// the table, the bus and the bench tenant.
    pub async fn start(moto_server: &Path) -> Result<Moto> {
        let port = common::free_port()?;
        let atomic = Path::new("tests/python/moto_atomic.py");
        let python = moto_server.with_file_name("python");
        let mut command = if atomic.exists() && python.exists() {
            let mut c = tokio::process::Command::new(python);
            c.arg(atomic);
            c
        } else {
            tokio::process::Command::new(moto_server)
        };
        command
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = Child::spawn("moto_server", command)?;
        common::wait_for_port(port, Duration::from_secs(60)).await?;
        let sdk = aws_config::defaults(BehaviorVersion::latest())
            .http_client(crm_shared::adapters::aws_trust::http_client())
            .endpoint_url(format!("http://127.0.0.1:{port}"))
            .region(Region::new(REGION))
            .credentials_provider(Credentials::new("test", "test", None, None, "static"))
            .load()
            .await;
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), TABLE.to_owned());
        store.create_table().await?;
        tenants::create(&store, &common::tenant_settings()).await?;
        aws_sdk_eventbridge::Client::new(&sdk)
            .create_event_bus()
            .name(BUS)
            .send()
            .await
            .map_err(|e| format!("create_event_bus: {e:?}"))?;
        Ok(Moto { child, port, sdk })
    }

    pub async fn stop(self) {
        self.child.stop().await;
    }
}

/// Durations of the handlers through the AWS adapters against moto.
#[derive(Debug, Clone, Copy)]
pub struct AdapterTimes {
    /// `capture_lead` via dispatch: settings GetItem, TransactWriteItems, PutEvents.
    pub capture: Stats,
    /// The first capture through freshly built clients (phone metadata already loaded).
    pub first_capture: Duration,
    /// `count_new_leads` runs counting one lead each.
    pub count_1: Stats,
    /// `count_new_leads` runs counting ten leads each.
    pub count_10: Stats,
    /// One `count_new_leads` run counting all the timed captures.
    pub count_all: Stats,
    pub count_all_leads: usize,
    /// `count_new_leads` runs that find nothing new.
    pub count_empty: Stats,
}

/// Times `captures` captures (after a few unmeasured ones) and count runs on moto.
pub async fn time_handlers(moto: &Moto, payload: Payload, captures: usize) -> Result<AdapterTimes> {
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&moto.sdk), TABLE.to_owned());
    let bus = EventBridgeBus::new(aws_sdk_eventbridge::Client::new(&moto.sdk), BUS.to_owned());
    let clock = Arc::new(FixedClock::at(Utc::now()));
    let ctx = common::ctx(Arc::new(store.clone()), Arc::new(bus), clock.clone())?;
    let mut n = 0u64;
    let mut capture = |ctx: Ctx, clock: Arc<FixedClock>| {
        n += 1;
        let body = common::body(payload, 86, n);
        async move {
            clock.advance(chrono::Duration::seconds(1));
            let request = common::capture_request(&body)?;
            let started = Instant::now();
            let response = crm_functions::dispatch("capture_lead", &ctx, request)
                .await
                .ok_or("dispatch does not know capture_lead")?;
            let took = started.elapsed();
            if response.status() != http::StatusCode::CREATED {
                return Err(format!("capture on moto answered {}", response.status()).into());
            }
            Ok::<_, Error>(took)
        }
    };
    let count = |clock: Arc<FixedClock>, store: DynamoStore, expect: usize| async move {
        clock.advance(stats::COUNT_LAG + chrono::Duration::seconds(1));
        let started = Instant::now();
        let counted = stats::count_new_leads(&store, TENANT, clock.now()).await?;
        let took = started.elapsed();
        if counted != expect {
            return Err(format!("count on moto counted {counted}, expected {expect}").into());
        }
        Ok::<_, Error>(took)
    };

    // Unmeasured but the first: connections, moto's first-use costs; and count what the
    // tenant had.
    let first_capture = capture(ctx.clone(), clock.clone()).await?;
    for _ in 0..4 {
        capture(ctx.clone(), clock.clone()).await?;
    }
    count(clock.clone(), store.clone(), 5).await?;

    let mut took = Vec::new();
    for _ in 0..captures {
        took.push(capture(ctx.clone(), clock.clone()).await?);
    }
    let count_all = vec![count(clock.clone(), store.clone(), captures).await?];
    let mut count_empty = Vec::new();
    for _ in 0..8 {
        count_empty.push(count(clock.clone(), store.clone(), 0).await?);
    }

    let mut count_1 = Vec::new();
    let mut count_10 = Vec::new();
    for _ in 0..8 {
        capture(ctx.clone(), clock.clone()).await?;
        count_1.push(count(clock.clone(), store.clone(), 1).await?);
    }
    for _ in 0..4 {
        for _ in 0..10 {
            capture(ctx.clone(), clock.clone()).await?;
        }
        count_10.push(count(clock.clone(), store.clone(), 10).await?);
    }
    Ok(AdapterTimes {
        capture: Stats::of(&took),
        first_capture,
        count_1: Stats::of(&count_1),
        count_10: Stats::of(&count_10),
        count_all: Stats::of(&count_all),
        count_all_leads: captures,
        count_empty: Stats::of(&count_empty),
    })
}
