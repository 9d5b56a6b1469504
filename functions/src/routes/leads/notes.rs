//! `POST /leads/{id}/notes`: staff write down what happened.

use crm_shared::domain::validation::Fields;
use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json, object_body, path_param, respond};
use crm_shared::store::leads;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::context::Ctx;
use crate::routes::schema::LeadId;

#[utoipa::path(
    post,
    path = "/leads/{id}/notes",
    operation_id = "add_lead_note",
    params(LeadId),
    request_body = crate::routes::schema::NewNote,
    responses(
        (status = 201, description = "The note", body = crm_shared::domain::lead::Note),
        (status = 404, description = "No such lead in your tenant"),
        (status = 413, description = "Body over 16 KB"),
        (status = 415, description = "Unsupported content type"),
        (status = 422, description = "Invalid fields"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(add(ctx, &request).await)
}

async fn add(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let id = path_param(request, "id")?;
    let (input, _) = object_body(request, false)?;
    let mut f = Fields::default();
    f.reject_unknown(&input, &["body"]);
    let body = f.required_paragraph(&input, "body", 5000);
    let body = f
        .finish(body)
        .map_err(ApiError::Validation)?
        .unwrap_or_default();
    let note = leads::add_note(
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
