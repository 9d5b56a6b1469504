//! `POST /leads/{id}/convert` (owner, admin): makes the lead a customer, or links it to the
//! customer who already has its phone or email.

use crm_shared::domain::customer::Customer;
use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json, path_param, respond};
use crm_shared::store::customers;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::context::Ctx;
use crate::routes::schema::LeadId;

/// The customer the lead became (or was linked to).
#[derive(Serialize, ToSchema)]
pub struct Conversion {
    pub customer: Customer,
    /// Whether the customer was made from the lead (rather than found).
    pub created: bool,
    pub lead_id: String,
}

#[utoipa::path(
    post,
    path = "/leads/{id}/convert",
    operation_id = "convert_lead",
    params(LeadId),
    responses(
        (status = 200, description = "Linked to the customer who has the lead's phone or email", body = Conversion),
        (status = 201, description = "A new customer made from the lead", body = Conversion),
        (status = 404, description = "No such lead in your tenant"),
        (status = 409, description = "The lead's phone or email belongs to another customer"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(convert(ctx, &request).await)
}

async fn convert(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let id = path_param(request, "id")?;
    let settings = ctx.tenant_settings(&claims.tenant_id).await?;
    let (customer, created) =
        customers::convert(ctx.store.as_ref(), &settings, &id, ctx.clock.now())
            .await?
            .ok_or(ApiError::NotFound("lead"))?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    json(
        status,
        &Conversion {
            customer,
            created,
            lead_id: id,
        },
    )
}
