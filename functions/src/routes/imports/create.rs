//! `POST /imports` (owner, admin): upload a client list as the request body, CSV (any common
//! delimiter; UTF-8 with or without BOM, UTF-16, Windows-1252) or XLSX, optionally
//! gzip-compressed (`Content-Encoding: gzip`: the admin app compresses before sending, so a
//! 25 MB CSV fits the API's request limit). The file is read at once (a file that is not a
//! client list is refused now, not later), kept in the file store, and the import made with
//! a suggested mapping, waiting in `mapping`.

use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{
    body_bytes, json_versioned, query_param, reject_unknown_params, respond,
};
use crm_shared::import::file::{self, FileError, MAX_BYTES};
use crm_shared::import::job::Import;
use crm_shared::store::{imports, keys};
use http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::context::Ctx;
use crate::routes::schema::UploadParams;

/// Bytes a request body may have: Lambda takes 6 MB of request, binary bodies arrive
/// base64-encoded (4/3 larger), so 4 MB is what reaches the function in the cloud. Larger
/// files are sent gzip-compressed (CSV compresses 5–10×).
pub const MAX_UPLOAD: usize = 4 * 1024 * 1024;

pub const PARAMS: &[&str] = &["file_name"];

#[utoipa::path(
    post,
    path = "/imports",
    operation_id = "create_import",
    params(UploadParams),
    request_body(content = Vec<u8>, description = "The file: CSV (text/csv) or XLSX (application/vnd.openxmlformats-officedocument.spreadsheetml.sheet), at most 4 MB as sent and 25 MB once decompressed (Content-Encoding: gzip)", content_type = "application/octet-stream"),
    responses(
        (status = 201, description = "The import, waiting in `mapping` with a suggested mapping", body = crm_shared::import::job::Import),
        (status = 413, description = "Over 4 MB as sent, or over 25 MB decompressed"),
        (status = 422, description = "Not a client list (empty, header only, binary, too many rows or columns): field `file` says why"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(create(ctx, &request).await)
}

/// The body, decompressed when it says it is gzip.
fn file_bytes(request: &Request) -> Result<Vec<u8>, ApiError> {
    let sent = body_bytes(request);
    if sent.len() > MAX_UPLOAD {
        return Err(ApiError::PayloadTooLarge { limit: MAX_UPLOAD });
    }
    let gzip = request
        .headers()
        .get(http::header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("gzip"));
    if !gzip {
        return Ok(sent.to_vec());
    }
    file::gunzip(sent).map_err(|e| match e {
        FileError::TooLarge => ApiError::PayloadTooLarge { limit: MAX_BYTES },
        other => ApiError::field("file", other.to_string()),
    })
}

/// The file name to show: the caller's, without a path, control characters or quotes.
fn file_name(request: &Request) -> String {
    let given = query_param(request, "file_name").unwrap_or_default();
    let base = given.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>'))
        .take(120)
        .collect();
    if clean.trim().is_empty() {
        "upload".into()
    } else {
        clean.trim().to_owned()
    }
}

async fn create(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    reject_unknown_params(request, PARAMS)?;
    let tenant = &claims.tenant_id;
    let bytes = file_bytes(request)?;
    let sheet = file::read(&bytes).map_err(|e| match e {
        FileError::TooLarge => ApiError::PayloadTooLarge { limit: MAX_BYTES },
        other => ApiError::field("file", other.to_string()),
    })?;
    let now = ctx.clock.now();
    let id = keys::sequential_id(now);
    let import = Import::uploaded(
        id.clone(),
        tenant,
        file_name(request),
        bytes.len() as u64,
        sheet,
        &claims.sub,
        now,
    );
    ctx.files
        .put(&keys::import_file(tenant, &id), bytes)
        .await?;
    imports::create(ctx.store.as_ref(), &import).await?;
    tracing::info!(tenant = %tenant, import_id = %id, rows = import.counts.total, format = %import.format, actor = %claims.sub, "import uploaded");
    json_versioned(StatusCode::CREATED, &import, import.version)
}
