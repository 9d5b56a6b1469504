//! `stale_leads`: every hour, flags the open leads nobody booked within the tenant's window
//! (DESIGN §2.1), reading only the stale-due index's buckets of the hours that passed since
//! the last run (`crm_shared::store::stale`). Each flag's stale event, written with it,
//! reports `lead.stale` through the table's stream (`crm_shared::store::stream`).

use crm_shared::store::leads::LeadWriteError;
use crm_shared::store::stale;
use serde_json::{json, Value};

use crate::context::Ctx;

/// One run, for the schedule (its event carries nothing the job needs).
pub async fn handle(ctx: &Ctx, _event: Value) -> Result<Value, LeadWriteError> {
    let run = stale::run(ctx.store.as_ref(), ctx.clock.now()).await?;
    if !run.flagged.is_empty() {
        tracing::info!(
            flagged = run.flagged.len(),
            hours = run.hours,
            "stale leads flagged"
        );
    }
    Ok(json!({"hours": run.hours, "read": run.read, "flagged": run.flagged.len()}))
}
