//! `GET /leads/{id}`: one lead with its status events and notes; its version is the ETag.

use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json_versioned, path_param, respond};
use crm_shared::store::leads;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::context::Ctx;
use crate::routes::schema::LeadId;

#[utoipa::path(
    get,
    path = "/leads/{id}",
    operation_id = "get_lead",
    params(LeadId),
    responses(
        (status = 200, description = "The lead with its events and notes", body = crm_shared::domain::lead_detail::LeadDetail),
        (status = 404, description = "No such lead in your tenant"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(get(ctx, &request).await)
}

async fn get(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let id = path_param(request, "id")?;
    let detail = leads::detail(ctx.store.as_ref(), &claims.tenant_id, &id)
        .await?
        .ok_or(ApiError::NotFound("lead"))?;
    json_versioned(StatusCode::OK, &detail, detail.lead.version)
}
