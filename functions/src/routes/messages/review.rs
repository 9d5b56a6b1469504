//! `POST /customers/{id}/review-request`: ask a customer for a review now (queued; quiet
//! hours still apply). 409 when one went out in the last 90 days.

use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json, path_param, respond};
use crm_shared::store::customers;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::context::Ctx;
use crate::routes::schema::CustomerId;
use crate::usecases::messaging::request_review;

#[utoipa::path(
    post,
    path = "/customers/{id}/review-request",
    operation_id = "request_review",
    params(CustomerId),
    responses(
        (status = 202, description = "Review request queued", body = crm_shared::domain::message::Message),
        (status = 404, description = "No such customer in your tenant"),
        (status = 409, description = "A review was requested within 90 days (`review_requested_at`), or one is still waiting to go out (`conflict: review_waiting`, `not_before`)"),
        (status = 422, description = "The customer has no phone"),
        (status = 503, description = "The queue is unavailable; nothing was sent"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(request_now(ctx, &request).await)
}

async fn request_now(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let tenant = &claims.tenant_id;
    let id = path_param(request, "id")?;
    let customer = customers::get(ctx.store.as_ref(), tenant, &id)
        .await?
        .ok_or(ApiError::NotFound("customer"))?;
    let settings = ctx.tenant_settings(tenant).await?;
    let message = request_review(
        ctx,
        &settings,
        &customer,
        None,
        ctx.clock.now(),
        &claims.sub,
    )
    .await?;
    json(StatusCode::ACCEPTED, &message)
}
