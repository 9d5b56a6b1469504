//! `DELETE /customers/{id}` (owner only): the customer and every item of theirs.

use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json, path_param, respond};
use crm_shared::store::customers;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::context::Ctx;
use crate::routes::customers::Deleted;
use crate::routes::schema::CustomerId;

#[utoipa::path(
    delete,
    path = "/customers/{id}",
    operation_id = "delete_customer",
    params(CustomerId),
    responses(
        (status = 200, description = "Deleted", body = crate::routes::customers::Deleted),
        (status = 404, description = "No such customer in your tenant"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(delete(ctx, &request).await)
}

async fn delete(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let id = path_param(request, "id")?;
    let items = customers::delete(ctx.store.as_ref(), &claims.tenant_id, &id).await?;
    tracing::info!(tenant = %claims.tenant_id, customer_id = %id, items, actor = %claims.sub, "customer deleted");
    json(
        StatusCode::OK,
        &Deleted {
            deleted: id,
            items: Some(items as u64),
        },
    )
}
