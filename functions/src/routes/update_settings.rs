//! `PATCH /settings` (owner): changes the fields given, each checked (422 names every bad
//! one); secrets are write-only; `null` clears an optional setting.

use crm_shared::http::auth::{authorize, Role};
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json, object_body, respond};
use crm_shared::ports::store::StoreError;
use crm_shared::store::tenants;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::context::Ctx;
use crate::routes::settings_fields::{apply, view};

pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(update(ctx, &request).await)
}

async fn update(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = authorize(request, Role::Owner)?;
    let tenant = &claims.tenant_id;
    let (input, _) = object_body(request, false)?;
    let store = ctx.store.as_ref();
    let mut settings = tenants::get(store, tenant)
        .await?
        .ok_or(ApiError::NotFound("tenant"))?;
    let errors = apply(&mut settings, &input);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    match tenants::put(store, &settings).await {
        Ok(()) => {}
        Err(StoreError::ConditionFailed("tenant_missing")) => {
            return Err(ApiError::NotFound("tenant"))
        }
        Err(e) => return Err(e.into()),
    }
    ctx.settings.forget(tenant);
    let changed: Vec<&String> = input.keys().collect();
    tracing::info!(tenant = %tenant, by = %claims.sub, fields = ?changed, "settings changed");
    json(StatusCode::OK, &view(&settings))
}
