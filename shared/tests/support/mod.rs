//! Test support: a moto server for the AWS adapters' tests.
//!
//! `AWS_ENDPOINT_URL` wins when set (scripts/test starts moto and exports it). Otherwise the
//! first test that needs moto starts moto (`tests/python/moto_atomic.py`) on a free loopback port, once per
//! test binary; the server is stopped when the test binary exits. Without either, the tests
//! fail loudly: a DynamoDB contract that silently did not run would prove nothing.

#![allow(dead_code)] // each test binary uses a different part of this module

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;

const REGION: &str = "us-east-1";
const STARTUP: Duration = Duration::from_secs(60);

/// The moto endpoint, starting moto on first use.
pub fn endpoint() -> &'static str {
    static ENDPOINT: OnceLock<String> = OnceLock::new();
    ENDPOINT.get_or_init(|| match std::env::var("AWS_ENDPOINT_URL") {
        Ok(url) if !url.trim().is_empty() => url.trim().trim_end_matches('/').to_owned(),
        _ => start_moto(),
    })
}

/// SDK configuration for moto: its endpoint, a fixed region and static dummy credentials.
pub async fn sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(crm_shared::adapters::aws_trust::http_client())
        .endpoint_url(endpoint())
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new("test", "test", None, None, "static"))
        .load()
        .await
}

/// A name no other test (or earlier run against a shared moto) has used.
pub fn unique_name(prefix: &str) -> String {
    format!(
        "{}-{}",
        prefix.replace('_', "-"),
        ulid::Ulid::new().to_string().to_lowercase()
    )
}

fn start_moto() -> String {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // moto with DynamoDB calls made atomic (see tests/python/moto_atomic.py).
    let moto = manifest_dir.join("../.venv/bin/python");
    let wrapper = manifest_dir.join("../tests/python/moto_atomic.py");
    assert!(
        moto.exists(),
        "moto is needed for these tests: set AWS_ENDPOINT_URL to a running moto server, or \
         install moto into {} (expected {})",
        manifest_dir.join("../.venv").display(),
        moto.display()
    );
    let port = free_port();
    // The shell keeps moto tied to this process: it kills moto when its stdin (a pipe this
    // process holds open until it exits) reaches end of file, and exits itself when moto dies.
    let script = r#"exec 3<&0
"$0" "$2" -H 127.0.0.1 -p "$1" >/dev/null 2>&1 3<&- &
moto=$!
{ read -r _ <&3; kill "$moto"; } &
wait "$moto""#;
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(&moto)
        .arg(port.to_string())
        .arg(&wrapper)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", moto.display()));
    // Held (leaked) until the process exits; its end of file stops moto.
    std::mem::forget(child.stdin.take());
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let started = Instant::now();
    loop {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("moto_server exited during startup ({status})");
        }
        assert!(
            started.elapsed() < STARTUP,
            "moto_server did not answer on {addr} within {STARTUP:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    format!("http://{addr}")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .unwrap_or_else(|e| panic!("no free loopback port: {e}"))
}

/// A `DynamoStore` on a fresh, uniquely named table on moto.
pub async fn dynamo_store(prefix: &str) -> crm_shared::adapters::dynamo::DynamoStore {
    let config = sdk_config().await;
    let store = crm_shared::adapters::dynamo::DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&config),
        unique_name(prefix),
    );
    store.create_table().await.expect("create table on moto");
    store
}

/// An SQS queue on moto for `name`, made as the template makes it: with a dead-letter queue
/// and a redrive policy of `MAX_RECEIVES` (5).
pub async fn sqs_queue(
    name: crm_shared::ports::queue::QueueName,
) -> crm_shared::adapters::sqs::SqsQueue {
    use aws_sdk_sqs::types::QueueAttributeName;
    let sqs = aws_sdk_sqs::Client::new(&sdk_config().await);
    let create = |queue: String| {
        let sqs = sqs.clone();
        async move {
            sqs.create_queue()
                .queue_name(queue)
                .send()
                .await
                .expect("create queue")
                .queue_url
                .expect("queue url")
        }
    };
    let dlq_url = create(unique_name(&format!("{}-dlq", name.as_str()))).await;
    let dlq_arn = sqs
        .get_queue_attributes()
        .queue_url(&dlq_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("dlq attributes")
        .attributes
        .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
        .expect("dlq arn");
    let redrive = serde_json::json!({
        "deadLetterTargetArn": dlq_arn,
        "maxReceiveCount": crm_shared::ports::queue::MAX_RECEIVES.to_string(),
    });
    let url = sqs
        .create_queue()
        .queue_name(unique_name(name.as_str()))
        .attributes(QueueAttributeName::RedrivePolicy, redrive.to_string())
        .send()
        .await
        .expect("create queue")
        .queue_url
        .expect("queue url");
    crm_shared::adapters::sqs::SqsQueue::new(
        sqs,
        std::collections::HashMap::from([(
            name,
            crm_shared::adapters::sqs::QueueUrls { url, dlq_url },
        )]),
    )
}

/// Runs each `async fn case(store: Arc<dyn Store>)` of the calling test file on both adapters,
/// as `sqlite::case` (a scratch SQLite store) and `dynamo::case` (a fresh table on moto named
/// `<prefix>-<case>`).
#[macro_export]
macro_rules! on_both_stores {
    ($prefix:literal: $($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let store = crm_shared::adapters::sqlite::SqliteStore::in_memory()
                        .expect("in-memory store");
                    super::$case(std::sync::Arc::new(store)).await;
                }
            )*
        }
        mod dynamo {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let store = $crate::support::dynamo_store(
                        &format!("{}-{}", $prefix, stringify!($case)),
                    )
                    .await;
                    super::$case(std::sync::Arc::new(store)).await;
                }
            )*
        }
    };
}
