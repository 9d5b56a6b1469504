//! `milestones`: every hour, awards the 1- and 2-year anniversaries and VIP status due at
//! 03:00 in each customer's tenant zone (DESIGN §2.2), reading only the due buckets of the
//! hours passed since the last run (`crm_shared::store::daily`). Each award's timeline entry,
//! written with it, reports `milestone.reached` through the table's stream
//! (`crm_shared::store::stream`), as booking facts' awards do.

use crm_shared::ports::store::StoreError;
use crm_shared::store::daily;
use serde_json::{json, Value};

use crate::context::Ctx;

/// One run, for the schedule (its event carries nothing the job needs).
pub async fn handle(ctx: &Ctx, _event: Value) -> Result<Value, StoreError> {
    let run = daily::milestones(ctx.store.as_ref(), ctx.clock.now()).await?;
    let awarded: usize = run.changed.iter().map(|done| done.milestones.len()).sum();
    if awarded > 0 {
        tracing::info!(
            awarded,
            hours = run.hours,
            read = run.read,
            "daily milestones awarded"
        );
    }
    Ok(json!({"hours": run.hours, "read": run.read, "awarded": awarded}))
}
