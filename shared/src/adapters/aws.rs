//! Building the AWS adapters once per Lambda process (DESIGN §6, cold start).

use aws_config::BehaviorVersion;

use crate::adapters::dynamo::DynamoStore;
use crate::adapters::eventbridge::EventBridgeBus;
use crate::ports::store::{Key, Store};

/// Loads the SDK configuration from the Lambda environment and builds the store and bus.
/// A cheap read warms the TLS connection to DynamoDB during init, so the first invocation
/// does not pay for the handshake.
pub async fn connect(table_name: &str, event_bus_name: &str) -> (DynamoStore, EventBridgeBus) {
    let sdk = aws_config::defaults(BehaviorVersion::latest()).load().await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), table_name.to_owned());
    let bus = EventBridgeBus::new(
        aws_sdk_eventbridge::Client::new(&sdk),
        event_bus_name.to_owned(),
    );
    if let Err(e) = store.get(&Key::new("WARMUP", "WARMUP")).await {
        tracing::warn!(error = %e, "store warm-up read failed");
    }
    (store, bus)
}
