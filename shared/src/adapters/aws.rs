//! Building the AWS adapters once per Lambda process (DESIGN §6, cold start).

use aws_config::SdkConfig;

use crate::adapters::cognito::CognitoDirectory;
use crate::adapters::dynamo::DynamoStore;
use crate::adapters::eventbridge::EventBridgeBus;
use crate::adapters::lazy_client::LazyClient;
use crate::adapters::sqs::{QueueUrls, SqsQueue};
use crate::ports::queue::QueueName;
use crate::ports::store::{Key, Store};

/// Whether to open the connection to DynamoDB during init.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarmUp {
    /// A cheap read, started in the background, opens the TLS connection while the runtime
    /// asks for the first event and the handler does its CPU work (parsing, validation, the
    /// phone-number metadata), so the first invocation rarely waits for the handshake and init
    /// does not wait for it either (functions that use the table).
    Table,
    /// Functions that never touch the table (and may not read it) skip it.
    No,
}

/// The AWS adapters of one process.
pub struct Adapters {
    pub store: DynamoStore,
    pub bus: EventBridgeBus,
    pub queue: SqsQueue,
    /// The loaded SDK configuration, for the clients only some functions need.
    sdk: SdkConfig,
}

/// Loads the SDK configuration from the Lambda environment and builds the store, bus and
/// queues (`queues`: the URLs of the queues this function may use). The clients trust
/// Amazon's roots only ([`aws_trust`](crate::adapters::aws_trust)).
pub async fn connect(
    table_name: &str,
    event_bus_name: &str,
    queues: std::collections::HashMap<QueueName, QueueUrls>,
    warm_up: WarmUp,
) -> Adapters {
    let sdk = crate::adapters::aws_trust::sdk_config().await;
    let adapters = Adapters::new(&sdk, table_name, event_bus_name, queues);
    if warm_up == WarmUp::Table {
        let store = adapters.store.clone();
        tokio::spawn(async move {
            if let Err(e) = store.get(&Key::new("WARMUP", "WARMUP")).await {
                tracing::warn!(error = %e, "store warm-up read failed");
            }
        });
    }
    adapters
}

impl Adapters {
    /// The clients on a loaded SDK configuration (no I/O: connections open on first use).
    pub fn new(
        sdk: &SdkConfig,
        table_name: &str,
        event_bus_name: &str,
        queues: std::collections::HashMap<QueueName, QueueUrls>,
    ) -> Self {
        let queue = SqsQueue::lazy(
            LazyClient::on_first_use(sdk, aws_sdk_sqs::Client::new),
            queues,
        );
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(sdk), table_name.to_owned());
        let bus = EventBridgeBus::lazy(
            LazyClient::on_first_use(sdk, aws_sdk_eventbridge::Client::new),
            event_bus_name.to_owned(),
        );
        Adapters {
            store,
            bus,
            queue,
            sdk: sdk.clone(),
        }
    }

    /// A new KMS key for a vault (tests and trials on moto; a deployment's is the stack's).
    pub async fn create_vault_key(&self) -> Result<String, crate::ports::vault::VaultError> {
        crate::adapters::kms_vault::KmsVault::create_key(&self.sdk, "Pipeline CRM secrets").await
    }

    /// The vault of KMS key `key_id` (its client made on first use).
    pub fn vault(&self, key_id: &str) -> crate::adapters::kms_vault::KmsVault {
        crate::adapters::kms_vault::KmsVault::new(&self.sdk, key_id)
    }

    /// The file store of S3 bucket `bucket` (the imports').
    pub fn files(&self, bucket: &str) -> crate::adapters::s3_files::S3Files {
        crate::adapters::s3_files::S3Files::new(&self.sdk, bucket)
    }

    /// The directory of the Cognito user pool `user_pool_id` (the member-invite functions').
    pub fn directory(&self, user_pool_id: &str) -> CognitoDirectory {
        CognitoDirectory::new(
            aws_sdk_cognitoidentityprovider::Client::new(&self.sdk),
            user_pool_id,
        )
    }
}
