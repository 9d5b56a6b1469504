//! `GET /imports/{id}/errors.csv` (owner, admin): the refused rows as CSV: the row's number
//! in the file, why it was refused, then its cells as uploaded (spreadsheet-safe: a cell
//! that looks like a formula is exported as text), so the owner can fix them and import the
//! fixed file.

use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{path_param, respond};
use crm_shared::http::spreadsheet::{cell, csv_text};
use crm_shared::store::imports;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::context::Ctx;
use crate::routes::imports::load;
use crate::routes::schema::ImportId;

#[utoipa::path(
    get,
    path = "/imports/{id}/errors.csv",
    operation_id = "import_errors",
    params(ImportId),
    responses(
        (status = 200, description = "The refused rows: row, reasons, then the file's columns", body = String, content_type = "text/csv"),
        (status = 404, description = "No such import in your tenant"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(errors(ctx, &request).await)
}

async fn errors(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let import = load(ctx, &claims.tenant_id, &path_param(request, "id")?).await?;
    let rows = imports::refused(ctx.store.as_ref(), &import.tenant_id, &import.id).await?;
    let mut header: Vec<String> = vec!["row".into(), "reasons".into()];
    header.extend(import.columns.iter().map(|c| cell(c).into_owned()));
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let records = rows.iter().map(|r| {
        let mut record = vec![r.row.to_string(), cell(&r.reasons.join("; ")).into_owned()];
        record.extend(r.cells.iter().map(|c| cell(c).into_owned()));
        record
    });
    let body = csv_text(&header, records).map_err(|e| ApiError::Internal(e.to_string()))?;
    Response::builder()
        .status(StatusCode::OK)
        .header(http::header::CONTENT_TYPE, "text/csv; charset=utf-8")
        .header(
            http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"import-{}-errors.csv\"", import.id),
        )
        .body(Body::Text(body))
        .map_err(|e| ApiError::Internal(e.to_string()))
}
