//! `PATCH /customers/{id}`: edit the profile; `If-Match` with the version read guards
//! against overwriting someone else's change (412).

use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{
    if_match_version, json_versioned, object_body, path_param, respond,
};
use crm_shared::store::customers;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::context::Ctx;
use crate::routes::customers::fields::read_profile;
use crate::routes::schema::{CustomerId, IfMatch};

#[utoipa::path(
    patch,
    path = "/customers/{id}",
    operation_id = "update_customer",
    params(CustomerId, IfMatch),
    request_body = crate::routes::schema::CustomerInput,
    responses(
        (status = 200, description = "The edited customer", body = crm_shared::domain::customer::Customer),
        (status = 404, description = "No such customer in your tenant"),
        (status = 409, description = "The phone or email belongs to another customer"),
        (status = 412, description = "The customer changed since the version in If-Match"),
        (status = 413, description = "Body over 16 KB"),
        (status = 415, description = "Unsupported content type"),
        (status = 422, description = "Invalid fields, each named"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(update(ctx, &request).await)
}

async fn update(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let id = path_param(request, "id")?;
    let expected = if_match_version(request)?;
    let (input, _) = object_body(request, false)?;
    let settings = ctx.tenant_settings(&claims.tenant_id).await?;
    let (profile, _) =
        read_profile(&input, &settings.default_region, false).map_err(ApiError::Validation)?;
    let customer = customers::update(
        ctx.store.as_ref(),
        &claims.tenant_id,
        &id,
        &profile,
        expected,
        ctx.clock.now(),
    )
    .await?;
    json_versioned(StatusCode::OK, &customer, customer.version)
}
