//! `POST /hooks/{tenant}/bookings`: the booking system reports a booking fact over HTTP,
//! signed with the tenant's webhook secret (`crm_shared::http::signature`: header
//! `X-Crm-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`).

use crm_shared::domain::booking::read_fact;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json, object_body, respond};
use crm_shared::store::customers::Ingested;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;

use crate::context::Ctx;
use crate::routes::hooks::signature::verified_tenant;
use crate::usecases::booking;

pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(receive(ctx, &request).await)
}

async fn receive(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let settings = verified_tenant(ctx, request).await?;
    let (input, _) = object_body(request, false)?;
    let (fact, contact) =
        read_fact(&input, None, &settings.default_region).map_err(ApiError::Validation)?;
    let ingested = booking::apply(ctx, &settings, &fact, &contact).await?;
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
