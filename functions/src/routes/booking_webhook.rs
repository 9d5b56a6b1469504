//! `POST /hooks/{tenant}/bookings`: the booking system reports a booking fact over HTTP,
//! signed with the tenant's webhook secret (`crm_shared::http::signature`: header
//! `X-Crm-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`).

use crm_shared::domain::booking::read_fact;
use crm_shared::domain::tenant::{is_valid_tenant_id, TenantSettings};
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{body_bytes, json, object_body, path_param, respond};
use crm_shared::http::signature;
use crm_shared::store::customers::Ingested;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;

use crate::context::Ctx;
use crate::workers::ingest_booking;

pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(receive(ctx, &request).await)
}

/// The settings of the path's tenant once the request's signature is checked with its
/// webhook secret (every signed webhook starts here): unknown tenant 404, bad signature 401.
pub async fn signed_tenant(ctx: &Ctx, request: &Request) -> Result<TenantSettings, ApiError> {
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

async fn receive(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let settings = signed_tenant(ctx, request).await?;
    let (input, _) = object_body(request, false)?;
    let (fact, contact) =
        read_fact(&input, None, &settings.default_region).map_err(ApiError::Validation)?;
    let ingested = ingest_booking::apply(ctx, &settings, &fact, &contact).await?;
    let body = match ingested {
        Ingested::Applied {
            customer,
            booking,
            milestones,
            lead,
            ..
        } => json!({
            "applied": true,
            "customer_id": customer.id,
            "booking_id": booking.booking_id,
            "version": booking.version,
            "milestones": milestones,
            "lead_id": lead.as_ref().map(|(id, _)| id),
            "lead_status": lead.as_ref().map(|(_, s)| s),
        }),
        Ingested::AlreadyApplied { customer_id } => json!({
            "applied": false,
            "customer_id": customer_id,
            "booking_id": fact.booking_id,
            "version": fact.version,
        }),
    };
    json(StatusCode::OK, &body)
}
