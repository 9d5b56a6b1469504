//! The capture_lead function's init, phase by phase: the same steps as
//! `crm_functions::lambda::serve_http` and `crm_shared::adapters::aws::connect`, each followed
//! by a `BENCH_PHASE <name> <epoch µs>` line on stderr, so `crm-bench capture` can say where
//! the init time goes. The warm-up read runs in the background as in `aws::connect`; with
//! `BENCH_AWAIT_WARMUP=1` init waits for it instead (the earlier design), to show what that
//! costs during init and saves on the first invocation; with `BENCH_PRELOAD_PHONE=1` the
//! phone-number metadata is loaded during init (one normalisation), to show what its lazy
//! load adds to the first invocation; with `BENCH_NATIVE_ROOTS=1` the SDK keeps its default
//! HTTPS client, which trusts the system CA bundle, instead of Amazon's roots only.

use std::time::{SystemTime, UNIX_EPOCH};

use crm_functions::lambda::config::Config;
use crm_functions::lambda::{init_tracing, Error};
use crm_shared::adapters::aws::Adapters;
use crm_shared::ports::store::{Key, Store};
use lambda_http::{service_fn, Request};

fn mark(name: &str) {
    let us = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_micros();
    eprintln!("BENCH_PHASE {name} {us}");
}

fn main() -> Result<(), Error> {
    mark("0_main");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    mark("1_tokio_runtime");
    runtime.block_on(serve())
}

async fn serve() -> Result<(), Error> {
    init_tracing();
    mark("2_tracing");
    let config = Config::from_env()?;
    let sdk = if std::env::var("BENCH_NATIVE_ROOTS").as_deref() == Ok("1") {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .http_client(crm_shared::adapters::aws_trust::native_roots_http_client())
            .load()
            .await
    } else {
        crm_shared::adapters::aws_trust::sdk_config().await
    };
    mark("3_sdk_config_load");
    let aws = Adapters::new(
        &sdk,
        &config.table_name,
        &config.event_bus_name,
        config.queues.clone(),
    );
    mark("4_clients_built");
    if std::env::var("BENCH_AWAIT_WARMUP").as_deref() == Ok("1") {
        if let Err(e) = aws.store.get(&Key::new("WARMUP", "WARMUP")).await {
            tracing::warn!(error = %e, "store warm-up read failed");
        }
        mark("5_warmup_getitem");
    } else {
        let store = aws.store.clone();
        tokio::spawn(async move {
            if let Err(e) = store.get(&Key::new("WARMUP", "WARMUP")).await {
                tracing::warn!(error = %e, "store warm-up read failed");
            }
        });
        mark("5_warmup_spawned");
    }
    if std::env::var("BENCH_PRELOAD_PHONE").as_deref() == Ok("1") {
        let _ = crm_shared::domain::phone::normalize("087 123 4567", "IE");
        mark("5b_phone_metadata");
    }
    let ctx = crm_functions::lambda::ctx(&config, aws)?;
    mark("6_runtime_start");
    lambda_http::run(service_fn(move |request: Request| {
        let ctx = ctx.clone();
        async move {
            Ok::<_, Error>(crm_functions::routes::public::capture::handle(&ctx, request).await)
        }
    }))
    .await
}
