//! `GET /leads/{id}`: one lead with its status events and notes; its version is the ETag.

use crm_shared::http::auth::{authorize, Role};
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json_versioned, path_param, respond};
use crm_shared::store::leads;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::context::Ctx;

pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(get(ctx, &request).await)
}

async fn get(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = authorize(request, Role::Staff)?;
    let id = path_param(request, "id")?;
    let detail = leads::detail(ctx.store.as_ref(), &claims.tenant_id, &id)
        .await?
        .ok_or(ApiError::NotFound("lead"))?;
    json_versioned(StatusCode::OK, &detail, detail.lead.version)
}
