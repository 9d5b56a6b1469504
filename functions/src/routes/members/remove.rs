//! `DELETE /members/{id}`: takes a member off the business. Whatever they hold stops working
//! at once: their tokens name a membership version that is no more.

use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{path_param, respond};
use crm_shared::store::members;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::context::Ctx;
use crate::routes::schema::MemberId;

#[utoipa::path(
    delete,
    path = "/members/{id}",
    operation_id = "remove_member",
    params(MemberId),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Admins remove staff only"),
        (status = 404, description = "No such member in your business"),
        (status = 409, description = "The business would have no owner left"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(remove(ctx, &request).await)
}

async fn remove(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let id = path_param(request, "id")?;
    members::change(
        ctx.store.as_ref(),
        &claims.tenant_id,
        &id,
        None,
        claims.role,
        ctx.clock.now(),
    )
    .await?;
    tracing::info!(tenant = %claims.tenant_id, member_id = %id, actor = %claims.sub, "member removed");
    Response::builder()
        .status(StatusCode::NO_CONTENT)
        .body(Body::Empty)
        .map_err(|e| ApiError::Internal(e.to_string()))
}
