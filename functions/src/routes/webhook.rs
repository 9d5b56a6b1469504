//! What every signed webhook (`/hooks/{tenant}/…`) does first: find the tenant and verify
//! the signature over the raw body (`crm_shared::http::signature`: header
//! `X-Crm-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, 5-minute window).

use crm_shared::domain::tenant::{is_valid_tenant_id, TenantSettings};
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{body_bytes, path_param};
use crm_shared::http::signature;
use lambda_http::Request;
use serde_json::{Map, Value};

use crate::context::Ctx;

/// The tenant's settings once the request is proven to come from it: 404 for an unknown
/// tenant, 401 for a missing, wrong or expired signature or a tenant without a secret.
pub async fn verified_tenant(ctx: &Ctx, request: &Request) -> Result<TenantSettings, ApiError> {
    let tenant = path_param(request, "tenant")?;
    if !is_valid_tenant_id(&tenant) {
        return Err(ApiError::NotFound("tenant"));
    }
    let settings = ctx.tenant_settings(&tenant).await?;
    let secret = settings.webhook_secret.as_deref().ok_or_else(|| {
        ApiError::BadSignature("webhooks are not configured for this tenant".into())
    })?;
    let header = request
        .headers()
        .get(signature::HEADER)
        .and_then(|v| v.to_str().ok());
    signature::verify(
        secret.as_bytes(),
        header,
        body_bytes(request),
        ctx.clock.now().timestamp(),
    )
    .map_err(|e| ApiError::BadSignature(e.to_string()))?;
    Ok(settings)
}

/// The fields an SMS provider posts, each under either spelling (Twilio's `From`, or
/// `from`), keyed by the lowercase one.
pub fn provider_fields(input: &Map<String, Value>, names: &[(&str, &str)]) -> Map<String, Value> {
    names
        .iter()
        .filter_map(|(upper, lower)| {
            input
                .get(*upper)
                .or_else(|| input.get(*lower))
                .map(|v| ((*lower).to_owned(), v.clone()))
        })
        .collect()
}
