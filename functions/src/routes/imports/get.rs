//! `GET /imports/{id}`: an import's status, mapping and progress (the wizard polls it).

use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json_versioned, path_param, respond};
use http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::context::Ctx;
use crate::routes::imports::load;
use crate::routes::schema::ImportId;

#[utoipa::path(
    get,
    path = "/imports/{id}",
    operation_id = "get_import",
    params(ImportId),
    responses(
        (status = 200, description = "The import: status, mapping, counts and percent done", body = crm_shared::import::job::Import),
        (status = 404, description = "No such import in your tenant"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(get(ctx, &request).await)
}

async fn get(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let import = load(ctx, &claims.tenant_id, &path_param(request, "id")?).await?;
    json_versioned(StatusCode::OK, &import, import.version)
}
