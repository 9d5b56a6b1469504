//! `segment_refresh`: every hour, reclassifies the customers whose segment, auto tags, stage
//! or at-risk flag change by time alone at 03:00 in their tenant's zone (DESIGN §2.2), reading
//! only the due buckets of the hours passed since the last run (`crm_shared::store::daily`).
//! Each change's timeline entry, written with it, reports `customer.segment_changed` or
//! `customer.stage_changed` through the table's stream (`crm_shared::store::stream`).

use crm_shared::ports::store::StoreError;
use crm_shared::store::daily;
use serde_json::{json, Value};

use crate::context::Ctx;

/// One run, for the schedule (its event carries nothing the job needs).
pub async fn handle(ctx: &Ctx, _event: Value) -> Result<Value, StoreError> {
    let now = ctx.clock.now();
    let run = daily::segment_refresh(ctx.store.as_ref(), now).await?;
    if !run.changed.is_empty() {
        tracing::info!(
            refreshed = run.changed.len(),
            hours = run.hours,
            read = run.read,
            "customers reclassified"
        );
    }
    Ok(json!({"hours": run.hours, "read": run.read, "refreshed": run.changed.len()}))
}
