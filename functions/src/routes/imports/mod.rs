//! Import routes (`/imports…`, issue 19): upload a client list, map its columns, preview,
//! start, watch, cancel, and download the refused rows. The work itself is the imports
//! worker's (`workers::run_import`).

pub mod cancel;
pub mod create;
pub mod errors;
pub mod get;
pub mod preview;
pub mod start;
pub mod update;

use crm_shared::http::problem::ApiError;
use crm_shared::import::job::Import;
use crm_shared::store::imports;

use crate::context::Ctx;

/// The caller's tenant's import `id`, or 404 (another tenant's too).
pub(crate) async fn load(ctx: &Ctx, tenant: &str, id: &str) -> Result<Import, ApiError> {
    imports::get(ctx.store.as_ref(), tenant, id)
        .await?
        .ok_or(ApiError::NotFound("import"))
}
