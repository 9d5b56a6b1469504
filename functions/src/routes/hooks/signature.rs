//! What every signed webhook (`/hooks/{tenant}/…`) does first: verify the signature over the
//! raw body (`crm_shared::http::signature`: header
//! `X-Crm-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, 5-minute window)
//! and only then say anything about the tenant. The header's shape and window are checked
//! first (they need no secret); an unknown tenant, a tenant without a webhook secret and a
//! wrong signature then get one and the same 401, so the hooks cannot be used to find out
//! which businesses exist (the real reason is logged).
//! The SMS provider's callbacks may instead carry Twilio's own `X-Twilio-Signature`
//! (`crm_shared::http::twilio_signature`), checked with the provider's auth token.

use crm_shared::domain::secret::{self, Purpose};
use std::future::Future;

use crm_shared::domain::tenant::{is_valid_tenant_id, TenantSettings};
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{body_bytes, json, path_param};
use crm_shared::http::{signature, twilio_signature};
use crm_shared::store::replays;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::{Map, Value};

use crate::context::Ctx;

/// The answer to a signed request sent again within its window: nothing was done.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Replayed {
    /// Always true.
    pub replayed: bool,
}

/// A request proven to come from the tenant it names.
pub struct Verified {
    pub settings: TenantSettings,
    pub signer: Signer,
    /// Our own signature's fingerprint and how long it is accepted (Twilio's carries no
    /// timestamp, so it has no window to remember a replay in).
    seen: Option<(String, i64)>,
}

/// Applies a verified request unless it is a replay of one applied before within its
/// signature's window: a replay answers 200 `{"replayed": true}` and does nothing (a
/// captured `START` sent again after a `STOP` opts nobody back in). The signature is
/// remembered once `apply` succeeds (see `store::replays`).
pub async fn applied_once<F, Fut>(
    ctx: &Ctx,
    verified: Verified,
    apply: F,
) -> Result<Response<Body>, ApiError>
where
    F: FnOnce(TenantSettings, Signer) -> Fut,
    Fut: Future<Output = Result<Response<Body>, ApiError>>,
{
    let store = ctx.store.as_ref();
    let tenant = verified.settings.tenant_id.clone();
    if let Some((fingerprint, _)) = &verified.seen {
        if replays::seen(store, &tenant, fingerprint).await? {
            tracing::info!(tenant = %tenant, "signed webhook replayed; nothing done");
            return json(StatusCode::OK, &Replayed { replayed: true });
        }
    }
    let answer = apply(verified.settings, verified.signer).await?;
    if let Some((fingerprint, until)) = &verified.seen {
        // Kept a minute past the window, so clocks a little apart cannot reopen it.
        if let Err(e) = replays::remember(store, &tenant, fingerprint, until + 60).await {
            tracing::warn!(tenant = %tenant, error = %e, "webhook signature not remembered");
        }
    }
    Ok(answer)
}

/// The tenant's settings once the request is proven to come from it: 401 for a missing,
/// malformed or expired signature, and the same 401 for a wrong one, an unknown tenant or a
/// tenant without a webhook secret.
pub async fn verified_tenant(ctx: &Ctx, request: &Request) -> Result<Verified, ApiError> {
    let header = request
        .headers()
        .get(signature::HEADER)
        .and_then(|v| v.to_str().ok());
    let signed = signature::Signed::read(header, ctx.clock.now().timestamp())
        .map_err(|e| ApiError::BadSignature(e.to_string()))?;
    let settings = tenant_of(ctx, request).await?;
    let Some(sealed) = settings.webhook_secret.as_ref() else {
        return Err(not_signed_by(
            &settings.tenant_id,
            "no webhook secret is set",
        ));
    };
    let secret = ctx
        .vault
        .open(&settings.tenant_id, Purpose::Webhook, sealed)
        .await?;
    signed
        .verify(secret.as_bytes(), body_bytes(request))
        .map_err(|e| not_signed_by(&settings.tenant_id, &e.to_string()))?;
    Ok(Verified {
        settings,
        signer: Signer::Crm,
        seen: Some((
            signed.fingerprint(body_bytes(request)),
            signed.accepted_until(),
        )),
    })
}

/// The one answer to a signature that does not prove the request comes from the tenant it
/// names, whatever the reason (logged).
fn not_signed_by(tenant: &str, reason: &str) -> ApiError {
    tracing::info!(tenant = %tenant, reason = %reason, "webhook signature refused");
    ApiError::BadSignature(signature::SignatureError::Mismatch.to_string())
}

/// The settings of the tenant the hook's path names; an unknown one is refused as an
/// unsigned request is (see the module's note).
async fn tenant_of(ctx: &Ctx, request: &Request) -> Result<TenantSettings, ApiError> {
    let tenant = path_param(request, "tenant")?;
    if !is_valid_tenant_id(&tenant) {
        return Err(not_signed_by(&tenant, "not a tenant id"));
    }
    match ctx.tenant_settings(&tenant).await {
        Err(ApiError::NotFound(_)) => Err(not_signed_by(&tenant, "no such tenant")),
        other => other,
    }
}

/// Who signed a provider callback: we answer Twilio in its own dialect (TwiML).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signer {
    Crm,
    Twilio,
}

/// Like [`verified_tenant`], for the SMS provider's callbacks: a request with an
/// `X-Twilio-Signature` is checked against the provider's auth token, the URL as called
/// (which names the tenant) and the form parameters; any other request must carry our own
/// signature. 401 when Twilio's signature is there but no auth token is configured.
pub async fn verified_provider_tenant(ctx: &Ctx, request: &Request) -> Result<Verified, ApiError> {
    let Some(header) = request.headers().get(twilio_signature::HEADER) else {
        return verified_tenant(ctx, request).await;
    };
    let sealed = ctx.provider_token.as_ref().ok_or_else(|| {
        ApiError::BadSignature("the SMS provider's auth token is not configured".into())
    })?;
    let token = ctx
        .vault
        .open(secret::PLATFORM, Purpose::SmsProvider, sealed)
        .await?;
    let params: Vec<(String, String)> = serde_urlencoded::from_bytes(body_bytes(request))
        .map_err(|_| ApiError::BadSignature("the signed body is not form-encoded".into()))?;
    // The provider's token is the platform's, not the tenant's: checked before the tenant.
    twilio_signature::verify(
        token.as_bytes(),
        header.to_str().ok(),
        &request.uri().to_string(),
        &params,
    )
    .map_err(|e| ApiError::BadSignature(e.to_string()))?;
    let settings = tenant_of(ctx, request).await?;
    Ok(Verified {
        settings,
        signer: Signer::Twilio,
        seen: None,
    })
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
