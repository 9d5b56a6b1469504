//! In-process workers: what the schedules trigger in AWS, triggered here by timers, running
//! the same worker functions.

use std::sync::Arc;
use std::time::Duration;

use crm_functions::workers::{
    count_leads, ingest_booking, milestones, segment_refresh, stale_leads,
};
use crm_functions::Ctx;
use crm_shared::adapters::local_bus::LocalBus;
use crm_shared::domain::booking::BookingKind;
use serde_json::json;
use tokio::sync::watch;

/// How often lead counting runs (every 5 minutes in AWS; locally each minute, since it costs
/// nothing here and keeps the uncounted tail short).
const COUNT_EVERY: Duration = Duration::from_secs(60);
/// How often the stale-lead job runs (hourly in AWS, and here).
const STALE_EVERY: Duration = Duration::from_secs(3600);

pub fn start(ctx: &Ctx, stop: watch::Receiver<bool>) {
    let counting = ctx.clone();
    let mut stop_counting = stop.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(COUNT_EVERY);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    if let Err(e) = count_leads::count_all(&counting).await {
                        tracing::error!(error = %e, "scheduled counting failed");
                    }
                }
                () = stopped(&mut stop_counting) => return,
            }
        }
    });
    let flagging = ctx.clone();
    let stop_daily = stop.clone();
    let mut stop_flagging = stop;
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(STALE_EVERY);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    if let Err(e) = stale_leads::handle(&flagging, serde_json::Value::Null).await {
                        tracing::error!(error = %e, "scheduled stale-lead run failed");
                    }
                }
                () = stopped(&mut stop_flagging) => return,
            }
        }
    });
    start_daily_jobs(ctx, stop_daily);
}

/// How often the daily customer jobs run (hourly in AWS, and here: 03:00 local falls in a
/// different hour for each zone).
const DAILY_JOBS_EVERY: Duration = Duration::from_secs(3600);

/// The segment refresh and the milestones, each on an hourly timer.
fn start_daily_jobs(ctx: &Ctx, stop: watch::Receiver<bool>) {
    let refreshing = ctx.clone();
    let mut stop_refreshing = stop.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(DAILY_JOBS_EVERY);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    if let Err(e) = segment_refresh::handle(&refreshing, serde_json::Value::Null).await {
                        tracing::error!(error = %e, "scheduled segment refresh failed");
                    }
                }
                () = stopped(&mut stop_refreshing) => return,
            }
        }
    });
    let awarding = ctx.clone();
    let mut stop_awarding = stop;
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(DAILY_JOBS_EVERY);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    if let Err(e) = milestones::handle(&awarding, serde_json::Value::Null).await {
                        tracing::error!(error = %e, "scheduled milestone run failed");
                    }
                }
                () = stopped(&mut stop_awarding) => return,
            }
        }
    });
}

/// Routes booking facts on the local bus to the booking consumer, as the template's
/// EventBridge rule does in AWS. A fact the consumer refuses is logged (in AWS it would wait
/// in the function's dead-letter queue).
pub fn subscribe(ctx: &Ctx, bus: &LocalBus) {
    let kinds: Vec<&str> = BookingKind::ALL.iter().map(|k| k.as_str()).collect();
    let ctx = ctx.clone();
    bus.subscribe(
        &kinds,
        Arc::new(move |event| {
            let ctx = ctx.clone();
            tokio::spawn(async move {
                let envelope = json!({
                    "detail-type": event.detail_type,
                    "source": "local.booking-system",
                    "detail": event.detail,
                });
                if let Err(e) = ingest_booking::handle(&ctx, envelope).await {
                    tracing::error!(error = %e, "booking fact refused by the consumer");
                }
            });
        }),
    );
}

/// Resolves once the server is shutting down.
pub async fn stopped(stop: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is dropped here, before any other await.
    let _ = stop.wait_for(|s| *s).await.is_ok();
}

/// The jobs `crm-local job NAME` (and `scripts/dev job NAME`) can fire.
pub const JOBS: &[&str] = &[
    "stale_leads",
    "segment_refresh",
    "milestones",
    "count_leads",
];

/// Runs job `name` once now, as its schedule would, and returns its answer.
pub async fn run_job(
    ctx: &Ctx,
    name: &str,
) -> Result<serde_json::Value, Box<dyn std::error::Error + Send + Sync>> {
    let event = serde_json::Value::Null;
    Ok(match name {
        "stale_leads" => stale_leads::handle(ctx, event).await?,
        "segment_refresh" => segment_refresh::handle(ctx, event).await?,
        "milestones" => milestones::handle(ctx, event).await?,
        "count_leads" => count_leads::handle(ctx, event).await?,
        other => return Err(format!("unknown job `{other}`; one of {JOBS:?}").into()),
    })
}
