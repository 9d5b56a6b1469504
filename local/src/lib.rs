//! crm-local: the whole product on one machine. Every HTTP handler is mounted at its route
//! from the one route table; requests become API Gateway v2 events (with the authorizer's
//! claims, as API Gateway would put them) and go to the very handlers the Lambda bins run.

pub mod accounts;
pub mod admin;
pub mod config;
pub mod embedded;
pub mod gateway;
pub mod oidc;
pub mod seed;
pub mod workers;

use std::net::SocketAddr;
use std::sync::Arc;

use crm_functions::Ctx;
use crm_shared::adapters::local_bus::LocalBus;
use crm_shared::adapters::local_queue::LocalQueue;
use crm_shared::adapters::outbox::Outbox;
use crm_shared::adapters::sqlite::SqliteStore;
use crm_shared::ports::capi::ConversionsApi;
use crm_shared::ports::clock::{Clock, SystemClock};
use tokio::sync::watch;

pub use config::LocalConfig;

/// A running local server.
pub struct Server {
    pub addr: SocketAddr,
    pub ctx: Ctx,
    pub bus: LocalBus,
    pub store: SqliteStore,
    /// The queues (a file beside the store).
    pub queue: LocalQueue,
    /// Texts "sent" locally.
    pub outbox: Outbox,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<Result<(), std::io::Error>>,
}

impl Server {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Waits (up to five seconds) until every change written so far has had its events
    /// published: the change log is empty.
    pub async fn settle_events(&self) {
        for _ in 0..500 {
            if self.store.changes(1).await.is_ok_and(|c| c.is_empty()) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    /// Stops accepting connections, lets requests in flight finish, and waits.
    pub async fn shutdown(self) -> Result<(), std::io::Error> {
        let _ = self.shutdown.send(true);
        self.task.await.map_err(std::io::Error::other)?
    }

    /// Waits until the server stops (after `shutdown` or a signal).
    pub async fn wait(self) -> Result<(), std::io::Error> {
        self.task.await.map_err(std::io::Error::other)?
    }
}

/// Opens the store, seeds the demo tenant on first start, wires the bus and workers, and
/// starts serving on 127.0.0.1.
pub async fn start(
    config: LocalConfig,
) -> Result<Server, Box<dyn std::error::Error + Send + Sync>> {
    start_with_clock(config, Arc::new(SystemClock)).await
}

pub async fn start_with_clock(
    config: LocalConfig,
    clock: Arc<dyn Clock>,
) -> Result<Server, Box<dyn std::error::Error + Send + Sync>> {
    start_with_capi(config, clock, None).await
}

/// As `start_with_clock`, sending conversion events to `capi` (Meta's Graph API, or a stub)
/// instead of recording them in memory.
pub async fn start_with_capi(
    config: LocalConfig,
    clock: Arc<dyn Clock>,
    capi: Option<Arc<dyn ConversionsApi>>,
) -> Result<Server, Box<dyn std::error::Error + Send + Sync>> {
    let embedded::Embedded {
        ctx,
        store,
        bus,
        queue,
        outbox,
    } = embedded::open(&config, clock, capi)?;
    workers::subscribe(&ctx, &bus);
    workers::route_conversions(&ctx, &bus);
    workers::route_auto_texts(&ctx, &bus);
    workers::upgrade_stored_data(&ctx).await;
    if config.seed {
        seed::seed_demo(&ctx).await?;
    }
    let (shutdown, mut stop) = watch::channel(false);
    workers::start(&ctx, stop.clone(), config.poll_queues);
    workers::publish_changes(store.clone(), bus.clone(), stop.clone());
    let secret = config.jwt_secret()?;
    let secret = Arc::new(secret);
    let verifier = match &config.oidc {
        Some(client) => Some(oidc::OidcVerifier::new(client, ctx.clock.clone())?),
        None => None,
    };
    let secure_cookies = config
        .public_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"));
    let app = gateway::router(ctx.clone(), secret.clone())
        .merge(accounts::router(
            ctx.clone(),
            secret.clone(),
            secure_cookies,
            verifier,
        ))
        .merge(admin::router(
            admin::web_dir_from_env(),
            secret,
            config.dev_sign_in,
            config.oidc.clone(),
        ));
    let listener =
        tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], config.port))).await?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, data_dir = %config.data_dir.display(), "crm-local listening");
    let task = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move { workers::stopped(&mut stop).await })
        .await
    });
    Ok(Server {
        addr,
        ctx,
        bus,
        store,
        queue,
        outbox,
        shutdown,
        task,
    })
}

/// Waits for Ctrl-C or SIGTERM.
pub async fn signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
