//! `POST /imports/{id}/preview` (owner, admin): the first 20 rows as they would be imported
//! under the current mapping and options: each row's client normalised (E.164 phone,
//! lowercased email, dates), and what would happen to it (create; update an existing
//! customer; skip as a duplicate within the file or an existing customer; refuse, with each
//! field's reason). Writes nothing.

use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json, path_param, respond};
use crm_shared::import::mapping;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;

use crate::context::Ctx;
use crate::routes::imports::load;
use crate::routes::schema::ImportId;
use crate::usecases::importing::{self, PreviewRow};

/// The preview's answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Preview {
    pub rows: Vec<PreviewRow>,
}

#[utoipa::path(
    post,
    path = "/imports/{id}/preview",
    operation_id = "preview_import",
    params(ImportId),
    responses(
        (status = 200, description = "The first 20 rows and what would happen to each", body = Preview),
        (status = 404, description = "No such import in your tenant"),
        (status = 422, description = "The mapping cannot make customers: what is missing is named"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(preview(ctx, &request).await)
}

async fn preview(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let import = load(ctx, &claims.tenant_id, &path_param(request, "id")?).await?;
    mapping::check(&import.mapping).map_err(ApiError::Validation)?;
    let settings = ctx.tenant_settings(&claims.tenant_id).await?;
    let rows = importing::preview(ctx, &import, &settings).await?;
    json(StatusCode::OK, &Preview { rows })
}
