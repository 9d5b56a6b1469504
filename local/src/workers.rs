//! In-process workers: what the schedules trigger in AWS, triggered here by timers, running
//! the same worker functions.

use std::time::Duration;

use crm_functions::workers::count_leads;
use crm_functions::Ctx;
use tokio::sync::watch;

/// How often lead counting runs (every 5 minutes in AWS; locally each minute, since it costs
/// nothing here and keeps the uncounted tail short).
const COUNT_EVERY: Duration = Duration::from_secs(60);

pub fn start(ctx: &Ctx, stop: watch::Receiver<bool>) {
    let ctx = ctx.clone();
    let mut stop = stop;
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(COUNT_EVERY);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    if let Err(e) = count_leads::count_all(&ctx).await {
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
