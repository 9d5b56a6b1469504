//! The Lambda wiring of the one `bootstrap` binary every function runs, and the only module of
//! this crate that names adapters: [`serve`] picks the route or worker Lambda names in
//! `_HANDLER` (the template's `Handler`), reads config once, builds the AWS adapters once
//! (and warms their connections during init), then serves invocations. Behind the `lambda`
//! feature (on by default), so crm-local links the handlers without the AWS SDK.

pub mod config;

use std::future::Future;
use std::sync::Arc;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use crm_shared::adapters::aws::{self, Adapters};
use crm_shared::adapters::meta_capi::MetaCapi;
use crm_shared::adapters::twilio::TwilioSms;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::respond;
use crm_shared::http::routes::Route;
use crm_shared::ports::clock::SystemClock;
use crm_shared::ports::directory::{Directory, SelfSignUp};
use crm_shared::ports::queue::{BatchOutcome, Received};
use crm_shared::ports::sms::{Sms, SmsError, SmsProvider};
use crm_shared::ports::vault::{self, Vault};
use lambda_http::{service_fn, Request};

use crate::context::{Ctx, Ports};
use config::Config;

pub type Error = lambda_http::Error;

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
    let vault: Arc<dyn Vault> = match &config.secrets_key_id {
        Some(key) => Arc::new(vault::Cached::new(aws.vault(key))),
        None => Arc::new(vault::Unconfigured),
    };
    let sms: Arc<dyn SmsProvider> = match &config.sms {
        Some(sms) => Arc::new(TwilioSms::new(sms.clone(), vault.clone())?),
        None => Arc::new(NoProvider),
    };
    let files = config
        .imports_bucket
        .as_ref()
        .map(|bucket| aws.files(bucket));
    let ctx = Ctx::new(Ports {
        store: Arc::new(aws.store),
        bus: Arc::new(aws.bus),
        clock: Arc::new(SystemClock),
        queue: Arc::new(aws.queue),
        sms,
        capi: Arc::new(capi),
        directory,
        vault,
    });
    let ctx = match files {
        Some(files) => ctx.with_files(Arc::new(files)),
        None => ctx,
    };
    let ctx = match &config.public_api_url {
        Some(url) => ctx.with_public_url(url),
        None => ctx,
    };
    Ok(match &config.sms {
        Some(sms) => ctx.with_provider_token(sms.auth_token.clone()),
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

/// Serves the HTTP route `route` of the route table: its handler, for callers the table's
/// access rule admits.
pub async fn serve_route(route: &'static Route, warm_up: WarmUp) -> Result<(), Error> {
    init_tracing();
    let ctx = aws_ctx(warm_up).await?;
    lambda_http::run(service_fn(move |request: Request| {
        let ctx = ctx.clone();
        async move {
            Ok::<_, Error>(match crate::routes::refusal(route, &ctx, &request).await {
                None => crate::routes::handle(route.function, &ctx, request)
                    .await
                    .unwrap_or_else(|| respond(Err(ApiError::NotFound("route")))),
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

/// The workers (schedule and rule targets) and queue consumers this binary serves, by the
/// names of `crm_shared::http::routes::WORKERS`.
macro_rules! workers {
    (workers: $($worker:ident),* ; queues: $($queue:ident),* $(,)?) => {
        /// Every worker and queue consumer [`serve`] knows.
        pub const WORKER_FUNCTIONS: &[&str] = &[$(stringify!($worker),)* $(stringify!($queue),)*];

        /// Serves worker or queue consumer `name`; `None` when it is neither.
        async fn serve_worker_named(name: &str) -> Option<Result<(), Error>> {
            Some(match name {
                $(stringify!($worker) => {
                    serve_worker(|ctx, event| async move {
                        crate::workers::$worker::handle(&ctx, event).await
                    })
                    .await
                })*
                $(stringify!($queue) => {
                    serve_queue(|ctx, batch| async move {
                        crate::workers::$queue::consume(&ctx, batch).await
                    })
                    .await
                })*
                _ => return None,
            })
        }
    };
}

workers!(
    workers: count_leads, ingest_booking, stale_leads, segment_refresh, milestones, pre_token,
        publish_events, auto_texts;
    queues: send_sms, send_conversions, run_import,
);

/// Serves the function `name` (Lambda's `_HANDLER`, the template's `Handler`): a route of the
/// route table or a worker. Every function of the template runs this one binary, so
/// `sam build` builds it once for all of them.
pub async fn serve(name: &str) -> Result<(), Error> {
    if let Some(route) = crate::routes::route_of(name) {
        return serve_route(route, warm_up_of(route)).await;
    }
    match serve_worker_named(name).await {
        Some(served) => served,
        None => Err(format!(
            "`{name}` (the function's Handler) is neither a route of the route table nor a worker"
        )
        .into()),
    }
}

/// Whether a route's function warms the table's connection during init: all do but the
/// OpenAPI document, which never reads the table (its role may not).
fn warm_up_of(route: &Route) -> WarmUp {
    if route.function == "openapi" {
        WarmUp::No
    } else {
        WarmUp::Table
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_shared::http::routes::{ROUTES, WORKERS};

    #[test]
    fn every_function_of_the_template_is_served_by_the_one_binary() {
        let mut workers: Vec<&str> = WORKER_FUNCTIONS.to_vec();
        workers.sort_unstable();
        let mut listed: Vec<&str> = WORKERS.to_vec();
        listed.sort_unstable();
        assert_eq!(
            workers, listed,
            "workers! and the route table's WORKERS differ"
        );
        for route in ROUTES {
            assert!(crate::routes::route_of(route.function).is_some());
            assert!(
                !WORKER_FUNCTIONS.contains(&route.function),
                "{}",
                route.function
            );
        }
        assert!(matches!(
            warm_up_of(crate::routes::route_of("openapi").unwrap_or(&ROUTES[0])),
            WarmUp::No
        ));
    }
}
