//! `PATCH /customers/{id}/notes/{note_id}`: corrects a note (its edit time is kept).

use crm_shared::http::auth::{authorize, Role};
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json, object_body, path_param, respond};
use crm_shared::store::customers;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::context::Ctx;
use crate::routes::add_customer_note::note_body;

pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(edit(ctx, &request).await)
}

async fn edit(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = authorize(request, Role::Staff)?;
    let id = path_param(request, "id")?;
    let note_id = path_param(request, "note_id")?;
    let (input, _) = object_body(request, false)?;
    let body = note_body(&input)?;
    let note = customers::edit_note(
        ctx.store.as_ref(),
        &claims.tenant_id,
        &id,
        &note_id,
        &body,
        ctx.clock.now(),
    )
    .await?;
    json(StatusCode::OK, &note)
}
