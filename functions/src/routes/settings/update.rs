//! `PATCH /settings` (owner): changes the fields given, each checked (422 names every bad
//! one); secrets are write-only; `null` clears an optional setting. Each change makes a new
//! version (the `ETag`): with `If-Match` a patch of an older version gets 412; without, a
//! patch that raced another is applied again on top of it, so neither is lost.

use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{if_match_version, json_versioned, object_body, respond};
use crm_shared::ports::store::StoreError;
use crm_shared::store::senders;
use crm_shared::store::tenants::{self, SettingsChangeError};
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::Value;

use crate::context::Ctx;
use crate::routes::schema::IfMatch;
use crate::routes::settings::fields::{apply, SettingsView};

#[utoipa::path(
    patch,
    path = "/settings",
    operation_id = "update_settings",
    params(IfMatch),
    request_body = crate::routes::schema::SettingsPatch,
    responses(
        (status = 200, description = "The settings after the change", body = crate::routes::settings::fields::SettingsView),
        (status = 412, description = "The settings changed since the version in If-Match"),
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
    let tenant = &claims.tenant_id;
    let (input, _) = object_body(request, false)?;
    let expected = if_match_version(request)?;
    if let Some(Value::String(sender)) = input.get("sms_from") {
        let sender = sender.trim();
        if !senders::is_allowed(ctx.store.as_ref(), tenant, sender).await? {
            return Err(ApiError::field(
                "sms_from",
                "is not one of the senders the operator allowed for this business (ask them to add it)",
            ));
        }
    }
    let changed = tenants::change(
        ctx.store.as_ref(),
        ctx.vault.as_ref(),
        tenant,
        expected,
        |settings| apply(settings, &input),
    )
    .await;
    let (settings, now) = match changed {
        Ok(done) => done,
        Err(SettingsChangeError::NotFound) => return Err(ApiError::NotFound("tenant")),
        // A client that read an older version would overwrite what it never saw.
        Err(SettingsChangeError::Stale { current }) => {
            return Err(ApiError::PreconditionFailed {
                current_version: Some(current),
            })
        }
        Err(SettingsChangeError::Invalid(errors)) => return Err(ApiError::Validation(errors)),
        Err(SettingsChangeError::Store(StoreError::Conflict)) => {
            return Err(ApiError::Unavailable(
                "the settings are being changed by others right now; try again".into(),
            ))
        }
        Err(SettingsChangeError::Store(e)) => return Err(e.into()),
        Err(SettingsChangeError::Vault(e)) => return Err(e.into()),
    };
    ctx.settings.forget(tenant);
    let changed: Vec<&String> = input.keys().collect();
    tracing::info!(tenant = %tenant, by = %claims.sub, fields = ?changed, version = now, "settings changed");
    json_versioned(StatusCode::OK, &SettingsView::of(&settings, now), now)
}
