//! `segment_refresh`: every hour, reclassifies the customers whose segment, auto tags, stage
//! or at-risk flag change by time alone at 03:00 in their tenant's zone (DESIGN §2.2), reading
//! only the due buckets of the hours passed since the last run (`crm_shared::store::daily`),
//! and publishes `customer.segment_changed` and `customer.stage_changed`.

use crm_shared::ports::bus::DomainEvent;
use crm_shared::ports::store::StoreError;
use crm_shared::store::daily;
use serde_json::{json, Value};

use crate::context::Ctx;

/// One run, for the schedule (its event carries nothing the job needs).
pub async fn handle(ctx: &Ctx, _event: Value) -> Result<Value, StoreError> {
    let now = ctx.clock.now();
    let run = daily::segment_refresh(ctx.store.as_ref(), now).await?;
    let mut events = Vec::new();
    for done in &run.changed {
        let c = &done.customer;
        let changes = [
            (
                "customer.segment_changed",
                done.changes.segment.map(|(f, t)| (json!(f), json!(t))),
            ),
            (
                "customer.stage_changed",
                done.changes.stage.map(|(f, t)| (json!(f), json!(t))),
            ),
        ];
        for (kind, change) in changes {
            if let Some((from, to)) = change {
                events.push(DomainEvent::new(
                    kind,
                    json!({
                        "event_id": format!("{kind}:{}:{}", c.id, c.version),
                        "tenant_id": c.tenant_id,
                        "customer_id": c.id,
                        "from": from,
                        "to": to,
                        "at": now,
                    }),
                ));
            }
        }
    }
    if !run.changed.is_empty() {
        tracing::info!(
            refreshed = run.changed.len(),
            hours = run.hours,
            read = run.read,
            "customers reclassified"
        );
    }
    if !events.is_empty() {
        ctx.publish(events).await;
    }
    Ok(json!({"hours": run.hours, "read": run.read, "refreshed": run.changed.len()}))
}
