//! In-process workers: what the schedules trigger in AWS, triggered here by timers, running
//! the same worker functions.

use std::sync::Arc;
use std::time::Duration;

use crm_functions::workers::{count_leads, ingest_booking, send_conversions, stale_leads};
use crm_functions::Ctx;
use crm_shared::adapters::local_bus::LocalBus;
use crm_shared::domain::booking::BookingKind;
use crm_shared::ports::queue::{pump, QueueError, QueueName};
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

/// How often the local consumer of the `conversions` queue looks for messages.
const CONVERSIONS_EVERY: Duration = Duration::from_secs(1);
/// Visibility of a received conversions message (six times a request's timeout, as in AWS).
const CONVERSIONS_VISIBILITY_SECS: u32 = 60;
/// Wait before a failed conversions message comes back.
const CONVERSIONS_RETRY_SECS: u32 = 30;

/// The Meta Conversions API pipeline, as the template wires it in AWS: the bus's lead events
/// go to the `conversions` queue as EventBridge envelopes, and a poller feeds them to
/// `send_conversions` until the server stops.
pub fn start_conversions(ctx: &Ctx, bus: &LocalBus, stop: watch::Receiver<bool>) {
    let queueing = ctx.clone();
    bus.subscribe(
        &["lead.captured", "lead.status_changed"],
        Arc::new(move |event| {
            let ctx = queueing.clone();
            tokio::spawn(async move {
                let envelope = json!({
                    "detail-type": event.detail_type,
                    "source": crm_shared::ports::bus::SOURCE,
                    "detail": event.detail,
                });
                if let Err(e) = ctx
                    .queue
                    .send(QueueName::Conversions, &envelope.to_string(), 0)
                    .await
                {
                    tracing::error!(error = %e, "lead event not queued for the Conversions API");
                }
            });
        }),
    );
    let sending = ctx.clone();
    let mut stop = stop;
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CONVERSIONS_EVERY);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    if let Err(e) = drain_conversions(&sending).await {
                        tracing::error!(error = %e, "conversions queue unavailable");
                    }
                }
                () = stopped(&mut stop) => return,
            }
        }
    });
}

/// Feeds `send_conversions` until the queue has nothing visible. Returns the messages read.
pub async fn drain_conversions(ctx: &Ctx) -> Result<usize, QueueError> {
    let mut total = 0;
    loop {
        let n = pump(
            ctx.queue.as_ref(),
            QueueName::Conversions,
            CONVERSIONS_VISIBILITY_SECS,
            CONVERSIONS_RETRY_SECS,
            |batch| send_conversions::consume(ctx, batch),
        )
        .await?;
        if n == 0 {
            return Ok(total);
        }
        total += n;
    }
}
