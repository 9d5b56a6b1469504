//! `POST /imports/{id}/cancel` (owner, admin): stops an import. Rows already imported stay
//! (the worker stops at its next checkpoint and records what it did); cancelling again is
//! 200; an import that is done or failed is 409.

use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json_versioned, path_param, respond};
use crm_shared::import::job::{Import, ImportStatus};
use crm_shared::store::imports::{self, ImportWriteError};
use crm_shared::store::retry::MAX_ATTEMPTS;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::context::Ctx;
use crate::routes::imports::load;
use crate::routes::schema::ImportId;

#[utoipa::path(
    post,
    path = "/imports/{id}/cancel",
    operation_id = "cancel_import",
    params(ImportId),
    responses(
        (status = 200, description = "The import, cancelled", body = crm_shared::import::job::Import),
        (status = 404, description = "No such import in your tenant"),
        (status = 409, description = "The import is done or failed"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(cancel(ctx, &request).await)
}

async fn cancel(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let mut import: Import = load(ctx, &claims.tenant_id, &path_param(request, "id")?).await?;
    // The worker checkpoints between chunks: a cancel that meets one reads it and tries again.
    for _ in 0..MAX_ATTEMPTS {
        match import.status {
            ImportStatus::Cancelled => {
                return json_versioned(StatusCode::OK, &import, import.version)
            }
            ImportStatus::Done | ImportStatus::Failed => {
                return Err(ApiError::conflict(
                    "the import has ended",
                    serde_json::json!({"import_status": import.status}),
                ))
            }
            ImportStatus::Mapping | ImportStatus::Queued | ImportStatus::Running => {}
        }
        let before = import.version;
        let mut after = import.clone();
        after.status = ImportStatus::Cancelled;
        after.finished_at = Some(ctx.clock.now());
        after.updated_at = ctx.clock.now();
        match imports::save(ctx.store.as_ref(), before, &mut after).await {
            Ok(()) => {
                tracing::info!(tenant = %claims.tenant_id, import_id = %after.id, actor = %claims.sub, "import cancelled");
                crate::usecases::importing::discard_file(ctx, &after).await;
                return json_versioned(StatusCode::OK, &after, after.version);
            }
            Err(ImportWriteError::Changed { current }) => import = *current,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::Unavailable(
        "the import kept changing; try again".into(),
    ))
}
