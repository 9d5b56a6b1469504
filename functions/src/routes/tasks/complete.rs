//! `POST /tasks/{id}/complete`: a follow-up task is done. Idempotent: again is 200 with who
//! completed it first; it leaves the open lists.

use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json_versioned, path_param, respond};
use crm_shared::store::tasks;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::context::Ctx;
use crate::routes::schema::TaskId;

#[utoipa::path(
    post,
    path = "/tasks/{id}/complete",
    operation_id = "complete_task",
    params(TaskId),
    responses(
        (status = 200, description = "The task, done (again: as first completed)", body = crm_shared::domain::task::Task),
        (status = 404, description = "No such task in your tenant"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(complete(ctx, &request).await)
}

async fn complete(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let id = path_param(request, "id")?;
    let (task, changed) = tasks::complete(
        ctx.store.as_ref(),
        &claims.tenant_id,
        &id,
        &claims.sub,
        ctx.clock.now(),
    )
    .await?
    .ok_or(ApiError::NotFound("task"))?;
    if changed {
        tracing::info!(tenant = %claims.tenant_id, task_id = %id, actor = %claims.sub, "task completed");
    }
    json_versioned(StatusCode::OK, &task, task.version)
}
