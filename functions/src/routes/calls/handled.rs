//! `POST /missed-calls/{id}/handled`: staff dealt with a missed call. Idempotent: again is
//! 200 with who handled it first. It leaves the open list and its customer's timeline says so.

use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json_versioned, path_param, respond};
use crm_shared::store::calls;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::context::Ctx;
use crate::routes::schema::MissedCallId;

#[utoipa::path(
    post,
    path = "/missed-calls/{id}/handled",
    operation_id = "handle_missed_call",
    params(MissedCallId),
    responses(
        (status = 200, description = "The missed call, handled (again: as first handled)", body = crm_shared::domain::call::MissedCall),
        (status = 404, description = "No such missed call in your tenant"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(mark(ctx, &request).await)
}

async fn mark(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let id = path_param(request, "id")?;
    let (missed, changed) = calls::mark_handled(
        ctx.store.as_ref(),
        &claims.tenant_id,
        &id,
        &claims.sub,
        ctx.clock.now(),
    )
    .await?
    .ok_or(ApiError::NotFound("missed call"))?;
    if changed {
        tracing::info!(tenant = %claims.tenant_id, missed_call_id = %id, actor = %claims.sub,
            "missed call handled");
    }
    json_versioned(StatusCode::OK, &missed, missed.version)
}
