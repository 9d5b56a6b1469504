//! `PATCH /settings` (owner): changes the fields given, each checked (422 names every bad
//! one); secrets are write-only; `null` clears an optional setting. Each change makes a new
//! version (the `ETag`): with `If-Match` a patch of an older version gets 412; without, a
//! patch that raced another is applied again on top of it, so neither is lost.

use crm_shared::http::auth::{authorize, Role};
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{if_match_version, json_versioned, object_body, respond};
use crm_shared::ports::store::StoreError;
use crm_shared::store::tenants;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::context::Ctx;
use crate::routes::settings::fields::{apply, view_at};

pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(update(ctx, &request).await)
}

/// Tries a patch gets against changes made meanwhile by others (each re-reads and re-applies).
/// Every failed try is another patch's success, so N patches at once all land within N tries.
const ATTEMPTS: usize = 10;

async fn update(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = authorize(request, Role::Owner)?;
    let tenant = &claims.tenant_id;
    let (input, _) = object_body(request, false)?;
    let expected = if_match_version(request)?;
    let store = ctx.store.as_ref();
    for _ in 0..ATTEMPTS {
        let (mut settings, version) = tenants::versioned(store, tenant)
            .await?
            .ok_or(ApiError::NotFound("tenant"))?;
        // A client that read an older version would overwrite what it never saw.
        if expected.is_some_and(|v| v != version) {
            return Err(ApiError::PreconditionFailed {
                current_version: Some(version),
            });
        }
        let errors = apply(&mut settings, &input);
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        match tenants::put(store, &settings, version).await {
            Ok(now) => {
                ctx.settings.forget(tenant);
                let changed: Vec<&String> = input.keys().collect();
                tracing::info!(tenant = %tenant, by = %claims.sub, fields = ?changed, version = now, "settings changed");
                return json_versioned(StatusCode::OK, &view_at(&settings, now), now);
            }
            // Changed since the read (or the tenant went): read again, and apply again
            // unless the client pinned the version it read.
            Err(StoreError::ConditionFailed(tenants::SETTINGS_CHANGED)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::Unavailable(
        "the settings are being changed by others right now; try again".into(),
    ))
}
