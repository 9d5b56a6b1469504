//! `GET /settings` (owner): the business's settings, without its secrets, at their version
//! (`version` and the `ETag`, for `If-Match` on `PATCH /settings`).

use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json_versioned, respond};
use http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::context::Ctx;
use crate::routes::settings::fields::SettingsView;

#[utoipa::path(
    get,
    path = "/settings",
    operation_id = "get_settings",
    responses(
        (status = 200, description = "The settings; secrets only as set or not", body = crate::routes::settings::fields::SettingsView),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(get(ctx, &request).await)
}

async fn get(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let (settings, version) =
        crm_shared::store::tenants::versioned(ctx.store.as_ref(), &claims.tenant_id)
            .await?
            .ok_or(ApiError::NotFound("tenant"))?;
    json_versioned(
        StatusCode::OK,
        &SettingsView::of(&settings, version),
        version,
    )
}
