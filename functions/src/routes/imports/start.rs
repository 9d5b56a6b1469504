//! `POST /imports/{id}/start` (owner, admin): hands the import to the imports worker. The
//! mapping must make customers (422 naming what is missing). Starting a started import
//! again answers it as it is (a double click starts it once); an ended one is 409.

use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json_versioned, path_param, respond};
use crm_shared::import::job::ImportStatus;
use crm_shared::import::mapping;
use crm_shared::store::imports::{self, ImportWriteError};
use http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::context::Ctx;
use crate::routes::imports::load;
use crate::routes::schema::ImportId;
use crate::usecases::importing::{enqueue, ImportTask};

#[utoipa::path(
    post,
    path = "/imports/{id}/start",
    operation_id = "start_import",
    params(ImportId),
    responses(
        (status = 202, description = "Queued (or already under way): poll GET /imports/{id}", body = crm_shared::import::job::Import),
        (status = 404, description = "No such import in your tenant"),
        (status = 409, description = "The import has ended"),
        (status = 422, description = "The mapping cannot make customers: what is missing is named"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(start(ctx, &request).await)
}

async fn start(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let tenant = &claims.tenant_id;
    let before = load(ctx, tenant, &path_param(request, "id")?).await?;
    match before.status {
        ImportStatus::Mapping => {}
        ImportStatus::Queued | ImportStatus::Running => {
            return json_versioned(StatusCode::ACCEPTED, &before, before.version)
        }
        ended => {
            return Err(ApiError::conflict(
                "the import has ended",
                serde_json::json!({"import_status": ended}),
            ))
        }
    }
    mapping::check(&before.mapping).map_err(ApiError::Validation)?;
    let mut after = before.clone();
    after.status = ImportStatus::Queued;
    after.updated_at = ctx.clock.now();
    match imports::save(ctx.store.as_ref(), before.version, &mut after).await {
        Ok(()) => {}
        Err(ImportWriteError::Changed { current }) => {
            return Err(ApiError::PreconditionFailed {
                current_version: Some(current.version),
            })
        }
        Err(e) => return Err(e.into()),
    }
    let task = ImportTask {
        tenant_id: tenant.clone(),
        import_id: after.id.clone(),
    };
    if let Err(e) = enqueue(ctx, &task).await {
        // Not queued: back to `mapping`, so starting again works.
        let mut back = after.clone();
        back.status = ImportStatus::Mapping;
        if let Err(revert) = imports::save(ctx.store.as_ref(), after.version, &mut back).await {
            tracing::error!(tenant = %tenant, import_id = %after.id, error = %revert, "import left queued without a message");
        }
        return Err(ApiError::Unavailable(e.to_string()));
    }
    tracing::info!(tenant = %tenant, import_id = %after.id, rows = after.counts.total, actor = %claims.sub, "import started");
    json_versioned(StatusCode::ACCEPTED, &after, after.version)
}
