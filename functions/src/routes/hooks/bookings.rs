//! `POST /hooks/{tenant}/bookings`: the booking system reports a booking fact over HTTP,
//! signed with the tenant's webhook secret (`crm_shared::http::signature`: header
//! `X-Crm-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`).

use crm_shared::domain::booking::read_fact;
use crm_shared::domain::customer::Milestone;
use crm_shared::domain::lead::LeadStatus;
use crm_shared::domain::tenant::TenantSettings;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json, object_body, respond};
use crm_shared::store::customers::Ingested;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::context::Ctx;
use crate::routes::hooks::signature::{applied_once, verified_tenant, Replayed};
use crate::routes::schema::SignedHook;
use crate::usecases::booking;

/// What a booking fact did.
#[derive(Serialize, ToSchema)]
pub struct BookingAnswer {
    /// False when this version (or a later one) was applied before: nothing changed.
    pub applied: bool,
    pub customer_id: String,
    pub booking_id: String,
    pub version: u64,
    /// Milestones the customer reached (an applied fact only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub milestones: Option<Vec<Milestone>>,
    /// The lead the booking converts, if it moved (an applied fact only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub lead_id: Option<Option<String>>,
    /// The status that lead moved to.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<LeadStatus>)]
    pub lead_status: Option<Option<LeadStatus>>,
}

/// What the hook answers: the request's effect, or that it was a replay (nothing done).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // documents the answer's two shapes; each is serialized on its own
pub enum BookingWebhookAnswer {
    Applied(Box<BookingAnswer>),
    Replayed(Replayed),
}

#[utoipa::path(
    post,
    path = "/hooks/{tenant}/bookings",
    operation_id = "booking_webhook",
    params(SignedHook),
    request_body = crate::routes::schema::BookingFact,
    responses(
        (status = 200, description = "Applied, or already applied (same or older version); or `{\"replayed\": true}`: the same signed request again within its window, nothing done", body = BookingWebhookAnswer),
        (status = 400, description = "Malformed request"),
        (status = 401, description = "Missing, bad or expired signature, no webhook secret configured, or an unknown tenant (one answer for all three: the hooks do not reveal which businesses exist)"),
        (status = 413, description = "Body over 16 KB"),
        (status = 415, description = "Unsupported content type"),
        (status = 422, description = "Invalid fields, each named"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(receive(ctx, &request).await)
}

async fn receive(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let verified = verified_tenant(ctx, request).await?;
    applied_once(ctx, verified, |settings, _| apply(ctx, request, settings)).await
}

async fn apply(
    ctx: &Ctx,
    request: &Request,
    settings: TenantSettings,
) -> Result<Response<Body>, ApiError> {
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
        } => BookingAnswer {
            applied: true,
            customer_id: customer.id,
            booking_id: booking.booking_id,
            version: booking.version,
            milestones: Some(milestones),
            lead_id: Some(lead.as_ref().map(|(id, _)| id.clone())),
            lead_status: Some(lead.map(|(_, s)| s)),
        },
        Ingested::AlreadyApplied { customer_id } => BookingAnswer {
            applied: false,
            customer_id,
            booking_id: fact.booking_id,
            version: fact.version,
            milestones: None,
            lead_id: None,
            lead_status: None,
        },
    };
    json(StatusCode::OK, &body)
}
