//! `POST /leads/{id}/convert` (owner, admin): makes the lead a customer, or links it to the
//! customer who already has its phone or email.

use crm_shared::http::auth::{authorize, Role};
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json, path_param, respond};
use crm_shared::store::customers;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;

use crate::context::Ctx;

pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(convert(ctx, &request).await)
}

async fn convert(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = authorize(request, Role::Admin)?;
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
        &json!({"customer": customer, "created": created, "lead_id": id}),
    )
}
