//! In-process workers: what the schedules trigger in AWS, triggered here by timers, running
//! the same worker functions.

use std::sync::Arc;
use std::time::Duration;

use crm_functions::workers::{
    auto_texts, count_leads, ingest_booking, milestones, run_import, segment_refresh,
    send_conversions, send_sms, stale_leads,
};
use crm_functions::Ctx;
use crm_shared::adapters::local_bus::LocalBus;
use crm_shared::adapters::sqlite::SqliteStore;
use crm_shared::domain::booking::BookingKind;
use crm_shared::ports::bus::BusError;
use crm_shared::ports::queue::{pump, BatchOutcome, QueueError, QueueName, Received};
use crm_shared::store::{change_log, senders, tasks, tenants};
use tokio::sync::watch;

/// How often lead counting runs (every 5 minutes in AWS; locally each minute, since it costs
/// nothing here and keeps the uncounted tail short).
const COUNT_EVERY: Duration = Duration::from_secs(60);
/// How often the stale-lead job runs (hourly in AWS, and here).
const STALE_EVERY: Duration = Duration::from_secs(3600);
/// How often an idle queue is polled (Lambda's event source mapping long-polls).
const POLL_EVERY: Duration = Duration::from_secs(1);
/// How long a received message stays invisible (the template: 6 × the consumer's timeout).
const VISIBILITY_SECS: u32 = 180;
/// When a failed message comes back (in AWS, when its visibility timeout ends).
const RETRY_AFTER_SECS: u32 = 30;

/// How long a received message of `queue` stays invisible: an import's run takes up to its
/// budget (4 minutes), the others seconds (the template's visibility timeouts).
fn visibility_secs(queue: QueueName) -> u32 {
    match queue {
        QueueName::Imports => 1800,
        QueueName::Sms | QueueName::Conversions => VISIBILITY_SECS,
    }
}

/// The consumer of each queue, as the template's event source mappings wire them.
async fn consume(ctx: &Ctx, queue: QueueName, batch: Vec<Received>) -> BatchOutcome {
    match queue {
        QueueName::Sms => send_sms::consume(ctx, batch).await,
        QueueName::Conversions => send_conversions::consume(ctx, batch).await,
        QueueName::Imports => run_import::consume(ctx, batch).await,
    }
}

/// One receive of `queue` handed to its consumer; the number of messages it had.
pub async fn pump_once(
    ctx: &Ctx,
    queue: QueueName,
    retry_after_secs: u32,
) -> Result<usize, QueueError> {
    pump(
        ctx.queue.as_ref(),
        queue,
        visibility_secs(queue),
        retry_after_secs,
        |batch| consume(ctx, queue, batch),
    )
    .await
}

/// Runs every queue's consumer until no message is visible (tests call it instead of
/// waiting for the pollers); failures come back after `RETRY_AFTER_SECS` of the clock.
pub async fn drain(ctx: &Ctx) -> Result<usize, QueueError> {
    let mut total = 0;
    for queue in QueueName::ALL {
        loop {
            let n = pump_once(ctx, queue, RETRY_AFTER_SECS).await?;
            if n == 0 {
                break;
            }
            total += n;
        }
    }
    Ok(total)
}

pub fn start(ctx: &Ctx, stop: watch::Receiver<bool>, poll_queues: bool) {
    for queue in QueueName::ALL.into_iter().filter(|_| poll_queues) {
        let polling = ctx.clone();
        let mut stop_polling = stop.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(POLL_EVERY);
            loop {
                tokio::select! {
                    _ = tick.tick() => {
                        // Drain what is visible, then wait for the next tick.
                        loop {
                            match pump_once(&polling, queue, RETRY_AFTER_SECS).await {
                                Ok(0) => break,
                                Ok(_) => {}
                                Err(e) => {
                                    tracing::error!(queue = queue.as_str(), error = %e, "queue poll failed");
                                    break;
                                }
                            }
                        }
                    }
                    () = stopped(&mut stop_polling) => return,
                }
            }
        });
    }
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
/// EventBridge rule does in AWS, delivered once the consumer is done with it. A fact the
/// consumer refuses is logged (in AWS it would wait in the function's dead-letter queue).
pub fn subscribe(ctx: &Ctx, bus: &LocalBus) {
    let kinds: Vec<&str> = BookingKind::ALL.iter().map(|k| k.as_str()).collect();
    let ctx = ctx.clone();
    bus.subscribe(
        &kinds,
        Arc::new(move |event| {
            let ctx = ctx.clone();
            Box::pin(async move {
                let envelope = serde_json::to_value(&event).unwrap_or_default();
                if let Err(e) = ingest_booking::handle(&ctx, envelope).await {
                    tracing::error!(error = %e, "booking fact refused by the consumer");
                }
                Ok(())
            })
        }),
    );
}

/// How often the change log is looked at while it is empty.
const CHANGES_EVERY: Duration = Duration::from_millis(20);
/// Most changes published at once.
const CHANGES_BATCH: u32 = 500;

/// Publishes the events of the store's change log on the bus, as the template's
/// `publish_events` function does from the table's stream: every event is written with the
/// state it reports, so a crash before it is published delays it and never loses it.
pub fn publish_changes(store: SqliteStore, bus: LocalBus, mut stop: watch::Receiver<bool>) {
    tokio::spawn(async move {
        loop {
            let pause = match change_log::publish(&store, &bus, CHANGES_BATCH).await {
                Ok(n) if n as u32 == CHANGES_BATCH => Duration::ZERO,
                Ok(_) => CHANGES_EVERY,
                Err(e) => {
                    tracing::error!(error = %e, "change log not published; trying again");
                    Duration::from_secs(1)
                }
            };
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                () = stopped(&mut stop) => return,
            }
        }
    });
}

/// Brings what an earlier version stored up to this one's shape, every business's, before
/// serving: contact tasks stored as items of their own are folded into their leads
/// (`store::tasks::fold_legacy`), and secrets stored in plain text are sealed
/// (`store::tenants::seal_stored_secrets`), and the senders each business was allowed are
/// indexed by sender (`store::senders::reindex`). A failure is logged and left for the next
/// start.
pub async fn upgrade_stored_data(ctx: &Ctx) {
    let store = ctx.store.as_ref();
    let tenants = match tenants::all_ids(store).await {
        Ok(ids) => ids,
        Err(e) => {
            tracing::error!(error = %e, "stored data not upgraded: no tenant list");
            return;
        }
    };
    for tenant in tenants {
        match tasks::fold_legacy(store, &tenant).await {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(tenant = %tenant, folded = n, "legacy contact tasks folded into their leads")
            }
            Err(e) => {
                tracing::error!(tenant = %tenant, error = %e, "legacy contact tasks not folded")
            }
        }
        if let Err(e) = senders::reindex(store, &tenant).await {
            tracing::error!(tenant = %tenant, error = %e, "SMS senders not indexed");
        }
        match tenants::seal_stored_secrets(store, ctx.vault.as_ref(), &tenant).await {
            Ok(false) => {}
            Ok(true) => tracing::info!(tenant = %tenant, "secrets stored in plain text sealed"),
            Err(e) => tracing::error!(tenant = %tenant, error = %e, "secrets not sealed"),
        }
    }
}

/// Resolves once the server is shutting down.
pub async fn stopped(stop: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is dropped here, before any other await.
    let _ = stop.wait_for(|s| *s).await.is_ok();
}

/// Routes lead events on the local bus to the `conversions` queue, as the template's
/// `LeadConversionsRule` does in AWS (the SQS body is the EventBridge envelope).
pub fn route_conversions(ctx: &Ctx, bus: &LocalBus) {
    let queueing = ctx.clone();
    bus.subscribe(
        &["lead.captured", "lead.status_changed"],
        Arc::new(move |event| {
            let ctx = queueing.clone();
            // Delivered once it is in the queue: the change log it came from is only
            // forgotten after that, so a crash in between publishes it again.
            Box::pin(async move {
                let body = serde_json::to_string(&event).map_err(|e| BusError(e.to_string()))?;
                ctx.queue
                    .send(QueueName::Conversions, &body, 0)
                    .await
                    .map_err(|e| BusError(format!("not queued for the Conversions API: {e}")))?;
                Ok(())
            })
        }),
    );
}

/// Routes `lead.captured` and `milestone.reached` on the local bus to `auto_texts`, as the
/// template's rule on `AutoTextsFunction` does in AWS. Delivered once the text is recorded
/// and queued (or found not due); a failure is handed back, so the change log publishes the
/// event again.
pub fn route_auto_texts(ctx: &Ctx, bus: &LocalBus) {
    let ctx = ctx.clone();
    bus.subscribe(
        &["lead.captured", "milestone.reached"],
        Arc::new(move |event| {
            let ctx = ctx.clone();
            Box::pin(async move {
                let envelope = serde_json::to_value(&event).map_err(|e| BusError(e.to_string()))?;
                auto_texts::handle(&ctx, envelope)
                    .await
                    .map(|_| ())
                    .map_err(|e| BusError(format!("automatic text: {e}")))
            })
        }),
    );
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
