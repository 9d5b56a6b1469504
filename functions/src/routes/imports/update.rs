//! `PATCH /imports/{id}` (owner, admin): the mapping (a field or `null` per column, as many
//! as the file has columns), what rows matching an existing customer do (`on_existing`:
//! `update` or `skip`) and tags every imported customer gets. Only while the import waits
//! in `mapping` (409 once started). `If-Match` with the version read is honoured.

use crm_shared::domain::validation::Fields;
use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{
    if_match_version, json_versioned, object_body, path_param, respond,
};
use crm_shared::import::job::{Import, ImportStatus, OnExisting};
use crm_shared::import::mapping::{self, Field};
use crm_shared::store::imports::{self, ImportWriteError};
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::{Map, Value};

use crate::context::Ctx;
use crate::routes::imports::load;
use crate::routes::schema::ImportId;

/// Tags an import may add, and their longest.
const MAX_TAGS: usize = 10;
const MAX_TAG_CHARS: usize = 40;

#[utoipa::path(
    patch,
    path = "/imports/{id}",
    operation_id = "update_import",
    params(ImportId),
    request_body = crate::routes::schema::ImportChange,
    responses(
        (status = 200, description = "The import", body = crm_shared::import::job::Import),
        (status = 404, description = "No such import in your tenant"),
        (status = 409, description = "The import has started or ended"),
        (status = 412, description = "If-Match names another version"),
        (status = 422, description = "Invalid fields, each named (a mapping without a name, or without a phone or an email, names what is missing)"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(update(ctx, &request).await)
}

/// Applies the change in `input` to `import`, or every invalid field.
fn apply(
    import: &mut Import,
    input: &Map<String, Value>,
) -> Result<(), Vec<crm_shared::domain::validation::FieldError>> {
    let mut f = Fields::default();
    f.reject_unknown(input, &["mapping", "on_existing", "tags"]);
    if let Some(value) = input.get("mapping") {
        match value.as_array() {
            Some(fields) if fields.len() == import.columns.len() => {
                let mut mapped = Vec::with_capacity(fields.len());
                for (i, v) in fields.iter().enumerate() {
                    match v {
                        Value::Null => mapped.push(None),
                        other => match serde_json::from_value::<Field>(other.clone()) {
                            Ok(field) => mapped.push(Some(field)),
                            Err(_) => {
                                f.error(
                                    &format!("mapping[{i}]"),
                                    format!("is not a field: {other}"),
                                );
                                mapped.push(None);
                            }
                        },
                    }
                }
                if let Err(errors) = mapping::check(&mapped) {
                    for e in errors {
                        f.error(&e.field, e.reason);
                    }
                }
                import.mapping = mapped;
            }
            Some(fields) => f.error(
                "mapping",
                format!(
                    "has {} entries; the file has {} columns (one field or null each)",
                    fields.len(),
                    import.columns.len()
                ),
            ),
            None => f.error(
                "mapping",
                "must be an array of fields or nulls, one per column",
            ),
        }
    }
    if let Some(value) = input.get("on_existing") {
        match serde_json::from_value::<OnExisting>(value.clone()) {
            Ok(choice) => import.on_existing = choice,
            Err(_) => f.error("on_existing", "must be update or skip"),
        }
    }
    if let Some(value) = input.get("tags") {
        match value.as_array() {
            Some(tags) if tags.len() <= MAX_TAGS => {
                let mut out: Vec<String> = Vec::new();
                for (i, t) in tags.iter().enumerate() {
                    match t.as_str().map(|s| s.trim().to_lowercase()) {
                        Some(tag) if !tag.is_empty() && tag.chars().count() <= MAX_TAG_CHARS => {
                            if !out.contains(&tag) {
                                out.push(tag);
                            }
                        }
                        _ => f.error(
                            &format!("tags[{i}]"),
                            format!("must be text of 1 to {MAX_TAG_CHARS} characters"),
                        ),
                    }
                }
                import.tags = out;
            }
            _ => f.error("tags", format!("must be a list of at most {MAX_TAGS} tags")),
        }
    }
    f.finish(())
}

async fn update(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let id = path_param(request, "id")?;
    let expected = if_match_version(request)?;
    let (input, _) = object_body(request, false)?;
    let before = load(ctx, &claims.tenant_id, &id).await?;
    if expected.is_some_and(|v| v != before.version) {
        return Err(ApiError::PreconditionFailed {
            current_version: Some(before.version),
        });
    }
    if before.status != ImportStatus::Mapping {
        return Err(ApiError::conflict(
            "the import has started; its mapping and options can no longer change",
            serde_json::json!({"import_status": before.status}),
        ));
    }
    let mut after = before.clone();
    apply(&mut after, &input).map_err(ApiError::Validation)?;
    after.updated_at = ctx.clock.now();
    match imports::save(ctx.store.as_ref(), before.version, &mut after).await {
        Ok(()) => {}
        Err(ImportWriteError::Changed { current }) => {
            return Err(ApiError::PreconditionFailed {
                current_version: Some(current.version),
            })
        }
        Err(e) => return Err(e.into()),
    }
    tracing::info!(tenant = %claims.tenant_id, import_id = %id, actor = %claims.sub, "import mapping changed");
    json_versioned(StatusCode::OK, &after, after.version)
}
