//! `POST /customers`: staff add a customer by hand (a walk-in, a phone call).

use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json_versioned, object_body, respond};
use crm_shared::store::customers;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::context::Ctx;
use crate::routes::customers::fields::read_profile;

#[utoipa::path(
    post,
    path = "/customers",
    operation_id = "create_customer",
    request_body = crate::routes::schema::CustomerInput,
    responses(
        (status = 201, description = "The customer", body = crm_shared::domain::customer::Customer),
        (status = 409, description = "The phone or email belongs to another customer (existing_id names them)"),
        (status = 413, description = "Body over 16 KB"),
        (status = 415, description = "Unsupported content type"),
        (status = 422, description = "Invalid fields, each named"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(create(ctx, &request).await)
}

async fn create(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let (input, _) = object_body(request, false)?;
    let settings = ctx.tenant_settings(&claims.tenant_id).await?;
    let (profile, tags) =
        read_profile(&input, &settings.default_region, true).map_err(ApiError::Validation)?;
    let customer = customers::create(
        ctx.store.as_ref(),
        &settings,
        &profile,
        &tags,
        ctx.clock.now(),
    )
    .await?;
    tracing::info!(tenant = %claims.tenant_id, customer_id = %customer.id, actor = %claims.sub, "customer created");
    json_versioned(StatusCode::CREATED, &customer, customer.version)
}
