//! `PATCH /leads/{id}`: edit a lead; with `If-Match: "<version>"` a stale edit is a 412.

use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{
    if_match_version, json_versioned, object_body, path_param, respond,
};
use crm_shared::store::leads;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::context::Ctx;
use crate::routes::leads::fields::read_patch;
use crate::routes::schema::{IfMatch, LeadId};

#[utoipa::path(
    patch,
    path = "/leads/{id}",
    operation_id = "update_lead",
    params(LeadId, IfMatch),
    request_body = crate::routes::schema::LeadPatch,
    responses(
        (status = 200, description = "The edited lead", body = crm_shared::domain::lead::Lead),
        (status = 404, description = "No such lead in your tenant"),
        (status = 412, description = "The lead changed since the version in If-Match"),
        (status = 413, description = "Body over 16 KB"),
        (status = 415, description = "Unsupported content type"),
        (status = 422, description = "Invalid fields, each named"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(update(ctx, &request).await)
}

async fn update(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let id = path_param(request, "id")?;
    let expected = if_match_version(request)?;
    let (input, _) = object_body(request, false)?;
    let settings = ctx.tenant_settings(&claims.tenant_id).await?;
    let patch = read_patch(&input, &settings.default_region).map_err(ApiError::Validation)?;
    let lead = leads::update(
        ctx.store.as_ref(),
        &claims.tenant_id,
        &id,
        &patch,
        expected,
        ctx.clock.now(),
    )
    .await?;
    tracing::info!(tenant = %claims.tenant_id, lead_id = %id, actor = %claims.sub, version = lead.version, "lead updated");
    json_versioned(StatusCode::OK, &lead, lead.version)
}
