//! The follow-up a new lead gets (DESIGN §2.1): a "contact lead" task due one business hour
//! after capture. Best effort: written after the lead is durable, one put and no read; a
//! failure is logged and never fails the capture.

use crm_shared::domain::lead::Lead;
use crm_shared::domain::tenant::TenantSettings;
use crm_shared::store::tasks;

use crate::context::Ctx;

pub async fn open_contact_task(ctx: &Ctx, settings: &TenantSettings, lead: &Lead) {
    if let Err(e) = tasks::create_contact_task(ctx.store.as_ref(), lead, settings).await {
        tracing::error!(tenant = %lead.tenant_id, lead_id = %lead.id, error = %e,
            "contact task not written");
    }
}
