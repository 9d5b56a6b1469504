//! `count_leads`: every 5 minutes, advances each tenant's month counters past the leads
//! captured since the last run.
//!
//! Counting is idempotent and exact (see `crm_shared::store::stats`); readers add the leads
//! not yet counted themselves, so counting a few minutes late costs no correctness, and no
//! per-lead wake-up is needed.

use crm_shared::ports::store::StoreError;
use crm_shared::store::{stats, tenants};
use serde_json::Value;

use crate::context::Ctx;

/// Counts new leads of one tenant.
pub async fn count_tenant(ctx: &Ctx, tenant: &str) -> Result<usize, StoreError> {
    let n = stats::count_new_leads(ctx.store.as_ref(), tenant, ctx.clock.now()).await?;
    if n > 0 {
        tracing::info!(tenant = %tenant, counted = n, "leads counted");
    }
    Ok(n)
}

/// Every tenant; a tenant that fails is logged and retried on the next run, the others go on.
pub async fn count_all(ctx: &Ctx) -> Result<usize, StoreError> {
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

/// The scheduled invocation (its event carries nothing the run needs).
pub async fn handle(ctx: &Ctx, _event: Value) -> Result<Value, StoreError> {
    let n = count_all(ctx).await?;
    Ok(serde_json::json!({ "counted": n }))
}
