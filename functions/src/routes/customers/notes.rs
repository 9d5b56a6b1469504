//! A customer's notes: `POST /customers/{id}/notes` writes one on their timeline,
//! `PATCH /customers/{id}/notes/{note_id}` corrects it (its edit time is kept),
//! `DELETE /customers/{id}/notes/{note_id}` removes it.

use crm_shared::domain::validation::Fields;
use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json, object_body, path_param, respond};
use crm_shared::store::customers;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::context::Ctx;
use crate::routes::customers::Deleted;
use crate::routes::schema::{CustomerId, CustomerNoteId};

/// `add_customer_note`.
#[utoipa::path(
    post,
    path = "/customers/{id}/notes",
    operation_id = "add_customer_note",
    params(CustomerId),
    request_body = crate::routes::schema::NoteInput,
    responses(
        (status = 201, description = "The note", body = crm_shared::domain::customer::Note),
        (status = 404, description = "No such customer in your tenant"),
        (status = 413, description = "Body over 16 KB"),
        (status = 415, description = "Unsupported content type"),
        (status = 422, description = "Invalid fields, each named"),
    )
)]
pub async fn add(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(add_note(ctx, &request).await)
}

/// `edit_customer_note`.
#[utoipa::path(
    patch,
    path = "/customers/{id}/notes/{note_id}",
    operation_id = "edit_customer_note",
    params(CustomerNoteId),
    request_body = crate::routes::schema::NoteInput,
    responses(
        (status = 200, description = "The edited note", body = crm_shared::domain::customer::Note),
        (status = 404, description = "No such customer or note"),
        (status = 413, description = "Body over 16 KB"),
        (status = 415, description = "Unsupported content type"),
        (status = 422, description = "Invalid fields, each named"),
    )
)]
pub async fn edit(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(edit_note(ctx, &request).await)
}

/// `delete_customer_note`.
#[utoipa::path(
    delete,
    path = "/customers/{id}/notes/{note_id}",
    operation_id = "delete_customer_note",
    params(CustomerNoteId),
    responses(
        (status = 200, description = "Deleted", body = crate::routes::customers::Deleted),
        (status = 404, description = "No such customer or note"),
    )
)]
pub async fn delete(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(delete_note(ctx, &request).await)
}

/// The `body` of a note: required, up to 5,000 characters, lines allowed.
fn note_body(input: &serde_json::Map<String, serde_json::Value>) -> Result<String, ApiError> {
    let mut f = Fields::default();
    f.reject_unknown(input, &["body"]);
    let body = f.required_paragraph(input, "body", 5000);
    Ok(f.finish(body)
        .map_err(ApiError::Validation)?
        .unwrap_or_default())
}

async fn add_note(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let id = path_param(request, "id")?;
    let (input, _) = object_body(request, false)?;
    let body = note_body(&input)?;
    let note = customers::add_note(
        ctx.store.as_ref(),
        &claims.tenant_id,
        &id,
        &body,
        &claims.sub,
        ctx.clock.now(),
    )
    .await?;
    json(StatusCode::CREATED, &note)
}

async fn edit_note(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
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

async fn delete_note(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let id = path_param(request, "id")?;
    let note_id = path_param(request, "note_id")?;
    customers::delete_note(ctx.store.as_ref(), &claims.tenant_id, &id, &note_id).await?;
    json(
        StatusCode::OK,
        &Deleted {
            deleted: note_id,
            items: None,
        },
    )
}
