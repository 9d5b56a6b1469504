//! `GET /business` (any role): what every screen of the admin app shows of the business —
//! its name, currency (money amounts are in its minor units), time zone and landing page —
//! without the rest of the settings, which only the owner reads.

use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json, respond};
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::context::Ctx;
use crate::routes::schema::one_of;

/// The business as every role sees it.
#[derive(Serialize, ToSchema)]
pub struct Business {
    pub tenant_id: String,
    pub business_name: String,
    /// ISO 4217: money amounts are in its minor units.
    #[schema(pattern = "^[A-Z]{3}$")]
    pub currency: String,
    pub time_zone: String,
    pub default_region: String,
    /// The landing page's path.
    pub landing_path: String,
    /// The caller's role.
    #[schema(schema_with = roles)]
    pub role: String,
}

fn roles() -> utoipa::openapi::ObjectBuilder {
    one_of(&["owner", "admin", "staff"])
}

#[utoipa::path(
    get,
    path = "/business",
    operation_id = "get_business",
    responses(
        (status = 200, description = "The business as every role sees it", body = Business),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(get(ctx, &request).await)
}

async fn get(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let settings = ctx.tenant_settings(&claims.tenant_id).await?;
    json(
        StatusCode::OK,
        &Business {
            landing_path: format!("/p/{}/book", settings.tenant_id),
            tenant_id: settings.tenant_id,
            business_name: settings.business_name,
            currency: settings.currency,
            time_zone: settings.time_zone,
            default_region: settings.default_region,
            role: claims.role.as_str().to_owned(),
        },
    )
}
