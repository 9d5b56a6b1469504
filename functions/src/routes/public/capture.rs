//! `POST /public/{tenant}/leads`: a prospect leaves their details on a landing page.

use crm_shared::domain::capture::read_capture;
use crm_shared::domain::lead::{Consent, Lead};
use crm_shared::domain::source::LastTouch;
use crm_shared::domain::tenant::is_valid_tenant_id;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{
    json, object_body, path_param, respond, see_other, source_ip, BodyKind,
};
use crm_shared::store::leads::{self, Inserted};
use crm_shared::store::limits::{self, Admission};
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::context::Ctx;
use crate::routes::schema::TenantPath;
use crate::usecases::capture::record_admitted_lead;

#[utoipa::path(
    post,
    path = "/public/{tenant}/leads",
    operation_id = "capture_lead",
    params(TenantPath),
    request_body(content((crate::routes::schema::CaptureRequest = "application/json"), (crate::routes::schema::CaptureRequest = "application/x-www-form-urlencoded"))),
    responses(
        (status = 200, description = "Same phone within the dedupe window: the existing lead", body = CaptureResponse),
        (status = 201, description = "Lead captured", body = CaptureResponse),
        (status = 303, description = "Form post: see the booking page", headers(("Location" = String))),
        (status = 400, description = "Malformed request"),
        (status = 404, description = "Unknown tenant"),
        (status = 413, description = "Body over 16 KB"),
        (status = 415, description = "Unsupported content type"),
        (status = 422, description = "Invalid fields, each named"),
        (status = 429, description = "Over the tenant's capture limits (per minute, in all or from this address): nothing kept; try again after `Retry-After` seconds", headers(("Retry-After" = u64))),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(capture(ctx, &request).await)
}

fn header(request: &Request, name: &str) -> Option<String> {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(500).collect())
}

async fn capture(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let tenant = path_param(request, "tenant")?;
    if !is_valid_tenant_id(&tenant) {
        return Err(ApiError::NotFound("tenant"));
    }
    let (input, kind) = object_body(request, true)?;
    // A cold process compiles the phone patterns while the settings are read.
    crm_shared::domain::phone::warm_in_background();
    let settings = ctx.tenant_settings(&tenant).await?;
    let capture = read_capture(&input, &settings.default_region).map_err(ApiError::Validation)?;
    let now = ctx.clock.now();
    let client = source_ip(request);
    let id = ulid::Ulid::from_datetime(now.into()).to_string();
    if capture.is_bot {
        // Counted like a person's and answered exactly as one, so the bot learns nothing;
        // nothing kept.
        admit(ctx, &tenant, client.as_deref(), &settings, now).await?;
        tracing::info!(tenant = %tenant, "honeypot filled; submission discarded");
        return answer(kind, &id, &settings.redirect_for(&id), false);
    }
    let mut new = capture.lead;
    new.touch.user_agent = header(request, "user-agent");
    new.touch.ip = client.clone();
    new.consent = capture.consented.then(|| Consent {
        sms_marketing: true,
        method: "landing_form".into(),
        at: now,
    });
    let lead = Lead::create(&tenant, &id, new, now);
    // Counted while the phone is claimed (one round trip fewer); over the limit, nothing kept.
    let admitted = admit(ctx, &tenant, client.as_deref(), &settings, now);
    match record_admitted_lead(ctx, &settings, &lead, now, admitted).await? {
        Inserted::Created => {
            tracing::info!(tenant = %tenant, lead_id = %id, source = %lead.source, "lead captured");
            answer(kind, &id, &settings.redirect_for(&id), false)
        }
        Inserted::Duplicate { existing_id } => {
            tracing::info!(tenant = %tenant, lead_id = %existing_id, "duplicate capture");
            // The same person came back: their latest touch is kept on the lead (best
            // effort: the lead is there either way).
            let touch = LastTouch::of(lead.source, &lead.touch, now);
            if let Err(e) =
                leads::touch_again(ctx.store.as_ref(), &tenant, &existing_id, &touch).await
            {
                tracing::warn!(tenant = %tenant, lead_id = %existing_id, error = %e, "last touch not kept");
            }
            answer(
                kind,
                &existing_id,
                &settings.redirect_for(&existing_id),
                true,
            )
        }
    }
}

/// Counts this capture against the tenant's limits; over them, 429. A limiter that cannot be
/// reached lets the capture through (logged): losing a real lead costs more than letting a
/// few extra through while the store recovers, and the API's own throttle still applies.
async fn admit(
    ctx: &Ctx,
    tenant: &str,
    client: Option<&str>,
    settings: &crm_shared::domain::tenant::TenantSettings,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), ApiError> {
    match limits::admit_capture(
        ctx.store.as_ref(),
        tenant,
        client,
        &settings.capture_limits,
        now,
    )
    .await
    {
        Ok(Admission::Admitted) => Ok(()),
        Ok(Admission::Limited { retry_after }) => {
            tracing::warn!(tenant = %tenant, retry_after, "capture over the rate limit");
            Err(ApiError::TooManyRequests { retry_after })
        }
        Err(e) => {
            tracing::error!(tenant = %tenant, error = %e, "rate limiter unavailable; capture let through");
            Ok(())
        }
    }
}

/// The answer to a JSON capture: the lead, and where to send the prospect next.
#[derive(Serialize, ToSchema)]
pub struct CaptureResponse {
    pub lead_id: String,
    /// The booking page, naming the lead in the tenant's `lead_id_param` (default `lead_id`).
    pub redirect_url: String,
    /// The same phone within the dedupe window: `lead_id` is the lead captured then.
    pub duplicate: bool,
}

fn answer(
    kind: BodyKind,
    lead_id: &str,
    redirect_url: &str,
    duplicate: bool,
) -> Result<Response<Body>, ApiError> {
    match kind {
        BodyKind::Form => see_other(redirect_url),
        BodyKind::Json => json(
            if duplicate {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            },
            &CaptureResponse {
                lead_id: lead_id.to_owned(),
                redirect_url: redirect_url.to_owned(),
                duplicate,
            },
        ),
    }
}
