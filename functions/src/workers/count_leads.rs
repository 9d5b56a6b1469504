//! `count_leads`: advances each tenant's lead counters past newly captured leads.
//!
//! Triggered by `lead.captured` (through a queue that delays it past the counting lag) and by
//! a schedule as a backstop. Counting is idempotent (see `crm_shared::store::stats`), so
//! duplicate, late or concurrent triggers are harmless.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use crm_shared::store::{stats, tenants};
use serde_json::Value;

use crate::context::Ctx;

/// Counts new leads of one tenant.
pub async fn count_tenant(
    ctx: &Ctx,
    tenant: &str,
) -> Result<usize, crm_shared::ports::store::StoreError> {
    let n = stats::count_new_leads(ctx.store.as_ref(), tenant, ctx.clock.now()).await?;
    if n > 0 {
        tracing::info!(tenant = %tenant, counted = n, "leads counted");
    }
    Ok(n)
}

/// The tenant named by a queued EventBridge envelope (`detail.tenant_id`).
fn tenant_of(body: &str) -> Option<String> {
    let v: Value = serde_json::from_str(body).ok()?;
    v.get("detail")?
        .get("tenant_id")?
        .as_str()
        .map(str::to_owned)
}

/// An SQS batch: one count per distinct tenant; records of a tenant whose count failed are
/// reported for retry, malformed ones are dropped with a log line (retrying cannot fix them).
pub async fn handle_queue(ctx: &Ctx, event: SqsEvent) -> SqsBatchResponse {
    let mut by_tenant: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for record in event.records {
        let id = record.message_id.clone().unwrap_or_default();
        match record.body.as_deref().and_then(tenant_of) {
            Some(t) => by_tenant.entry(t).or_default().push(id),
            None => {
                tracing::warn!(message_id = %id, "count_leads: message without detail.tenant_id dropped")
            }
        }
    }
    let mut response = SqsBatchResponse::default();
    for (tenant, ids) in by_tenant {
        if let Err(e) = count_tenant(ctx, &tenant).await {
            tracing::error!(tenant = %tenant, error = %e, "count_leads failed; will retry");
            for id in ids {
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id;
                response.batch_item_failures.push(failure);
            }
        }
    }
    response
}

/// The schedule: every tenant.
pub async fn handle_schedule(ctx: &Ctx) -> Result<usize, crm_shared::ports::store::StoreError> {
    let mut total = 0;
    let mut failed = None;
    for tenant in tenants::all_ids(ctx.store.as_ref()).await? {
        match count_tenant(ctx, &tenant).await {
            Ok(n) => total += n,
            Err(e) => {
                tracing::error!(tenant = %tenant, error = %e, "count_leads failed for tenant");
                failed = Some(e);
            }
        }
    }
    match failed {
        Some(e) => Err(e),
        None => Ok(total),
    }
}

/// Either trigger, told apart by shape: SQS events carry `Records`.
pub async fn handle(
    ctx: &Ctx,
    event: Value,
) -> Result<Value, crm_shared::ports::store::StoreError> {
    if event.get("Records").is_some() {
        let sqs: SqsEvent = serde_json::from_value(event)
            .map_err(|e| crm_shared::ports::store::StoreError::Invalid(e.to_string()))?;
        let response = handle_queue(ctx, sqs).await;
        Ok(serde_json::to_value(response).unwrap_or(Value::Null))
    } else {
        let n = handle_schedule(ctx).await?;
        Ok(serde_json::json!({ "counted": n }))
    }
}
