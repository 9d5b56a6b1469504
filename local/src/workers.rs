//! In-process workers: what the queues and schedules trigger in AWS, triggered here by the
//! local bus and by timers, running the same worker functions.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crm_functions::workers::count_leads;
use crm_functions::Ctx;
use crm_shared::adapters::local_bus::LocalBus;
use crm_shared::store::stats::COUNT_LAG;
use tokio::sync::watch;

/// How often the counting backstop runs (the template's schedule does the same in AWS).
const COUNT_EVERY: Duration = Duration::from_secs(300);

pub fn start(ctx: &Ctx, bus: &LocalBus, stop: watch::Receiver<bool>) {
    // lead.captured → count that tenant once the lead is past the counting lag (the AWS
    // queue's delivery delay does the same).
    let delay = COUNT_LAG.to_std().unwrap_or(Duration::from_secs(60)) + Duration::from_secs(1);
    let on_capture = ctx.clone();
    let stop_capture = stop.clone();
    // One pending count per tenant: a burst of captures schedules one run, not one each
    // (the AWS queue batches the same way).
    let pending: Arc<Mutex<HashSet<String>>> = Arc::default();
    bus.subscribe(
        &["lead.captured"],
        Arc::new(move |event| {
            let Some(tenant) = event
                .detail
                .get("tenant_id")
                .and_then(|t| t.as_str())
                .map(str::to_owned)
            else {
                return;
            };
            let newly_pending = pending
                .lock()
                .map(|mut p| p.insert(tenant.clone()))
                .unwrap_or(false);
            if !newly_pending {
                return;
            }
            let ctx = on_capture.clone();
            let pending = Arc::clone(&pending);
            let mut stop = stop_capture.clone();
            tokio::spawn(async move {
                tokio::select! {
                    () = tokio::time::sleep(delay) => {
                        if let Ok(mut p) = pending.lock() {
                            p.remove(&tenant);
                        }
                        if let Err(e) = count_leads::count_tenant(&ctx, &tenant).await {
                            tracing::error!(tenant = %tenant, error = %e, "counting failed");
                        }
                    }
                    () = stopped(&mut stop) => {}
                }
            });
        }),
    );
    let ctx = ctx.clone();
    let mut stop = stop;
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(COUNT_EVERY);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    if let Err(e) = count_leads::handle_schedule(&ctx).await {
                        tracing::error!(error = %e, "scheduled counting failed");
                    }
                }
                () = stopped(&mut stop) => return,
            }
        }
    });
}

/// Resolves once the server is shutting down.
pub async fn stopped(stop: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is dropped here, before any other await.
    let _ = stop.wait_for(|s| *s).await.is_ok();
}
