//! `GET /leads/analytics`: totals, conversion, sources, statuses and the monthly trend, read
//! from counter items (never by scanning leads).

use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json, reject_unknown_params, respond};
use crm_shared::store::stats;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::context::Ctx;

#[utoipa::path(
    get,
    path = "/leads/analytics",
    operation_id = "lead_analytics",
    responses(
        (status = 200, description = "Lead analytics", body = crm_shared::domain::analytics::LeadAnalytics),
        (status = 422, description = "Unknown parameter"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(analytics(ctx, &request).await)
}

async fn analytics(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    reject_unknown_params(request, &[])?;
    let a = stats::analytics(ctx.store.as_ref(), &claims.tenant_id, ctx.clock.now()).await?;
    json(StatusCode::OK, &a)
}
