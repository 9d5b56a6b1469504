//! `POST /customers/{id}/tags/{tag}` adds a manual tag (kept by every job) and
//! `DELETE /customers/{id}/tags/{tag}` removes one (automatic tags are the classifier's).

use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json_versioned, path_param, respond};
use crm_shared::store::customers;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::context::Ctx;
use crate::routes::customers::fields::tag;
use crate::routes::schema::CustomerId;
use crate::routes::schema::TagPath;

/// `add_customer_tag`.
#[utoipa::path(
    post,
    path = "/customers/{id}/tags/{tag}",
    operation_id = "add_customer_tag",
    params(CustomerId, TagPath),
    responses(
        (status = 200, description = "The customer", body = crm_shared::domain::customer::Customer),
        (status = 404, description = "No such customer in your tenant"),
        (status = 422, description = "Invalid tag"),
    )
)]
pub async fn add(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(set(ctx, &request, true).await)
}

/// `remove_customer_tag`.
#[utoipa::path(
    delete,
    path = "/customers/{id}/tags/{tag}",
    operation_id = "remove_customer_tag",
    params(CustomerId, TagPath),
    responses(
        (status = 200, description = "The customer", body = crm_shared::domain::customer::Customer),
        (status = 404, description = "No such customer in your tenant"),
        (status = 422, description = "Invalid tag"),
    )
)]
pub async fn remove(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(set(ctx, &request, false).await)
}

/// Adds (`add`) or removes the path's manual tag.
async fn set(ctx: &Ctx, request: &Request, add: bool) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let id = path_param(request, "id")?;
    let tag = tag(&path_param(request, "tag")?).map_err(|reason| ApiError::field("tag", reason))?;
    let customer = customers::set_tag(
        ctx.store.as_ref(),
        &claims.tenant_id,
        &id,
        &tag,
        add,
        &claims.sub,
        ctx.clock.now(),
    )
    .await?;
    json_versioned(StatusCode::OK, &customer, customer.version)
}
