//! The Lambda wiring shared by the bins, and the only module of this crate that names
//! adapters: read config once, build the AWS adapters once (and warm their connections during
//! init), then serve invocations. Behind the `lambda` feature (on by default), so crm-local
//! links the handlers without the AWS SDK.

pub mod config;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use crm_shared::adapters::aws::{self, Adapters};
use crm_shared::adapters::meta_capi::MetaCapi;
use crm_shared::adapters::twilio::TwilioSms;
use crm_shared::ports::clock::SystemClock;
use crm_shared::ports::directory::{Directory, SelfSignUp};
use crm_shared::ports::queue::{BatchOutcome, Received};
use crm_shared::ports::sms::{Sms, SmsError, SmsProvider};
use lambda_http::{service_fn, Body, Request, Response};

use crate::context::{Ctx, Ports};
use config::Config;

pub type Error = lambda_http::Error;
pub type HttpHandler = fn(Ctx, Request) -> Pin<Box<dyn Future<Output = Response<Body>> + Send>>;

pub fn init_tracing() {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_current_span(false)
        .with_ansi(false)
        .without_time()
        .with_target(false)
        .init();
}

pub use crm_shared::adapters::aws::WarmUp;

/// The AWS adapters behind a `Ctx`, as the environment configures them.
pub async fn aws_ctx(warm_up: WarmUp) -> Result<Ctx, Error> {
    let config = Config::from_env()?;
    let aws = aws::connect(
        &config.table_name,
        &config.event_bus_name,
        config.queues.clone(),
        warm_up,
    )
    .await;
    ctx(&config, aws)
}

/// A `Ctx` on connected AWS adapters, with the SMS provider, the Conversions API and the user
/// pool `config` names (no provider configured: `NoProvider`; no pool: `SelfSignUp`).
pub fn ctx(config: &Config, aws: Adapters) -> Result<Ctx, Error> {
    let directory: Arc<dyn Directory> = match &config.user_pool_id {
        Some(pool) => Arc::new(aws.directory(pool)),
        None => Arc::new(SelfSignUp),
    };
    let capi = MetaCapi::new(&config.meta_graph_url)?;
    let sms: Arc<dyn SmsProvider> = match &config.sms {
        Some(sms) => Arc::new(TwilioSms::new(sms.clone())?),
        None => Arc::new(NoProvider),
    };
    let ctx = Ctx::new(Ports {
        store: Arc::new(aws.store),
        bus: Arc::new(aws.bus),
        clock: Arc::new(SystemClock),
        queue: Arc::new(aws.queue),
        sms,
        capi: Arc::new(capi),
        directory,
    });
    Ok(match &config.sms {
        Some(sms) => ctx.with_provider_token(&sms.auth_token),
        None => ctx,
    })
}

/// The SMS provider of a deployment that configured none: every text is refused with the
/// reason, so it waits in the dead-letter queue (to be replayed once a provider is set)
/// instead of vanishing into a local outbox.
struct NoProvider;

#[async_trait::async_trait]
impl SmsProvider for NoProvider {
    async fn send(&self, _: &Sms) -> Result<String, SmsError> {
        Err(SmsError::Rejected(
            "no SMS provider configured (TwilioAccountSid is empty)".into(),
        ))
    }
}

/// Serves one HTTP route's handler.
/// Serves one HTTP route's handler (`function`, the route table's name for it: the bin's
/// name), admitting callers by the table's access rule before the handler runs.
pub async fn serve_http(
    function: &str,
    handler: HttpHandler,
    warm_up: WarmUp,
) -> Result<(), Error> {
    init_tracing();
    let route = crate::routes::route_of(function)
        .ok_or_else(|| format!("`{function}` serves no route of the route table"))?;
    let ctx = aws_ctx(warm_up).await?;
    lambda_http::run(service_fn(move |request: Request| {
        let ctx = ctx.clone();
        async move {
            Ok::<_, Error>(match crate::routes::refusal(route, &ctx, &request).await {
                None => handler(ctx, request).await,
                Some(refused) => refused,
            })
        }
    }))
    .await
}

/// Serves a worker (a schedule's or a rule's target): each event's payload goes to `handler`.
pub async fn serve_worker<F, Fut, T, E>(handler: F) -> Result<(), Error>
where
    F: Fn(Ctx, serde_json::Value) -> Fut,
    Fut: Future<Output = Result<T, E>>,
    T: serde::Serialize,
    E: Into<Error>,
{
    init_tracing();
    let ctx = aws_ctx(WarmUp::Table).await?;
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<serde_json::Value>| {
            let run = handler(ctx.clone(), event.payload);
            async move { run.await.map_err(Into::<Error>::into) }
        },
    ))
    .await
}

/// Serves a queue consumer (an SQS event source mapping with `ReportBatchItemFailures`):
/// each batch goes to `consume`, and the messages it reports failed come back.
pub async fn serve_queue<F, Fut>(consume: F) -> Result<(), Error>
where
    F: Fn(Ctx, Vec<Received>) -> Fut,
    Fut: Future<Output = BatchOutcome>,
{
    init_tracing();
    let ctx = aws_ctx(WarmUp::Table).await?;
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<SqsEvent>| {
            let batch = received(event.payload);
            let run = consume(ctx.clone(), batch);
            async move {
                let outcome = run.await;
                let mut response = SqsBatchResponse::default();
                response.batch_item_failures = outcome
                    .failed
                    .into_iter()
                    .map(|id| {
                        let mut failure = BatchItemFailure::default();
                        failure.item_identifier = id;
                        failure
                    })
                    .collect();
                Ok::<_, Error>(response)
            }
        },
    ))
    .await
}

/// The messages of an SQS event as the queue port gives them.
pub fn received(event: SqsEvent) -> Vec<Received> {
    event
        .records
        .into_iter()
        .map(|m| Received {
            receive_count: m
                .attributes
                .get("ApproximateReceiveCount")
                .and_then(|n| n.parse().ok())
                .unwrap_or(1),
            message_id: m.message_id.unwrap_or_default(),
            receipt: m.receipt_handle.unwrap_or_default(),
            body: m.body.unwrap_or_default(),
        })
        .collect()
}

/// `main` of a queue consumer's Lambda function: `queue_main!(send_sms)`.
#[macro_export]
macro_rules! queue_main {
    ($module:ident) => {
        #[tokio::main]
        async fn main() -> Result<(), $crate::lambda::Error> {
            $crate::lambda::serve_queue(|ctx, batch| async move {
                $crate::workers::$module::consume(&ctx, batch).await
            })
            .await
        }
    };
}

/// `main` of a worker's Lambda function: wiring only. `worker_main!(count_leads)`.
#[macro_export]
macro_rules! worker_main {
    ($module:ident) => {
        #[tokio::main]
        async fn main() -> Result<(), $crate::lambda::Error> {
            $crate::lambda::serve_worker(|ctx, event| async move {
                $crate::workers::$module::handle(&ctx, event).await
            })
            .await
        }
    };
}

/// `main` of an HTTP route's Lambda function: wiring only. The handler's path under
/// `crate::routes`: `http_main!(public::capture::handle)` for a route that uses the table;
/// `http_main!(public::openapi::handle, WarmUp::No)` for one that never does.
#[macro_export]
macro_rules! http_main {
    ($($handler:ident)::+) => {
        $crate::http_main!($($handler)::+, WarmUp::Table);
    };
    ($($handler:ident)::+, WarmUp::$warm:ident) => {
        #[tokio::main]
        async fn main() -> Result<(), $crate::lambda::Error> {
            $crate::lambda::serve_http(
                env!("CARGO_BIN_NAME"),
                |ctx, request| {
                    Box::pin(async move { $crate::routes::$($handler)::+(&ctx, request).await })
                },
                $crate::lambda::WarmUp::$warm,
            )
            .await
        }
    };
}
