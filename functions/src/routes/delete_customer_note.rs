//! `DELETE /customers/{id}/notes/{note_id}`.

use crm_shared::http::auth::{authorize, Role};
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json, path_param, respond};
use crm_shared::store::customers;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;

use crate::context::Ctx;

pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(delete(ctx, &request).await)
}

async fn delete(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = authorize(request, Role::Staff)?;
    let id = path_param(request, "id")?;
    let note_id = path_param(request, "note_id")?;
    customers::delete_note(ctx.store.as_ref(), &claims.tenant_id, &id, &note_id).await?;
    json(StatusCode::OK, &json!({"deleted": note_id}))
}
