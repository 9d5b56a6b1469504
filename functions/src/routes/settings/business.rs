//! `GET /business` (any role): what every screen of the admin app shows of the business —
//! its name, currency (money amounts are in its minor units), time zone and landing page —
//! without the rest of the settings, which only the owner reads.

use crm_shared::http::auth::{authorize, Role};
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json, respond};
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;

use crate::context::Ctx;

pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(get(ctx, &request).await)
}

async fn get(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = authorize(request, Role::Staff)?;
    let settings = ctx.tenant_settings(&claims.tenant_id).await?;
    json(
        StatusCode::OK,
        &json!({
            "tenant_id": settings.tenant_id,
            "business_name": settings.business_name,
            "currency": settings.currency,
            "time_zone": settings.time_zone,
            "default_region": settings.default_region,
            "landing_path": format!("/p/{}/book", settings.tenant_id),
            "role": claims.role.as_str(),
        }),
    )
}
