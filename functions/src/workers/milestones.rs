//! `milestones`: every hour, awards the 1- and 2-year anniversaries and VIP status due at
//! 03:00 in each customer's tenant zone (DESIGN §2.2), reading only the due buckets of the
//! hours passed since the last run (`crm_shared::store::daily`), and publishes
//! `milestone.reached` for each, as booking facts do for theirs.

use crm_shared::domain::events::Event;
use crm_shared::ports::store::StoreError;
use crm_shared::store::daily;
use serde_json::{json, Value};

use crate::context::Ctx;

/// One run, for the schedule (its event carries nothing the job needs).
pub async fn handle(ctx: &Ctx, _event: Value) -> Result<Value, StoreError> {
    let run = daily::milestones(ctx.store.as_ref(), ctx.clock.now()).await?;
    let events: Vec<Event> = run
        .changed
        .iter()
        .flat_map(|done| {
            done.milestones
                .iter()
                .map(|m| Event::milestone_reached(&done.customer, *m))
        })
        .collect();
    let awarded = events.len();
    if !events.is_empty() {
        tracing::info!(
            awarded,
            hours = run.hours,
            read = run.read,
            "daily milestones awarded"
        );
        ctx.publish(events).await;
    }
    Ok(json!({"hours": run.hours, "read": run.read, "awarded": awarded}))
}
