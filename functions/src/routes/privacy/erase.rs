//! `POST /privacy/erase {phone | email}` (owner only): erases a person, customer or only a
//! lead, with everything the business holds about them (`store::privacy`).

use crm_shared::domain::phone;
use crm_shared::domain::validation::Fields;
use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json, object_body, respond};
use crm_shared::store::privacy::{self, Erased, Person};
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;

use crate::context::Ctx;

/// Who to erase: a phone (read in the business's country unless it starts with `+`), an
/// email, or both.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"phone": "087 123 4567"})))]
#[allow(dead_code)] // documents the body; read field by field
pub struct EraseRequest {
    #[schema(max_length = 32)]
    pub phone: Option<String>,
    #[schema(max_length = 254)]
    pub email: Option<String>,
}

#[utoipa::path(
    post,
    path = "/privacy/erase",
    operation_id = "erase_person",
    request_body = EraseRequest,
    responses(
        (status = 200, description = "Erased (counts of what was removed; zeros when nothing held them: erasing twice is safe)", body = Erased),
        (status = 422, description = "Neither a phone nor an email, or one that does not read"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(erase(ctx, &request).await)
}

async fn erase(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let (input, _) = object_body(request, false)?;
    let mut f = Fields::default();
    f.reject_unknown(&input, &["phone", "email"]);
    let raw_phone = f.text(&input, "phone", 32, false);
    let email = f
        .text(&input, "email", 254, false)
        .map(|e| e.trim().to_lowercase());
    if let Some(e) = &email {
        if !e.contains('@') {
            f.error("email", "is not an email address");
        }
    }
    let settings = ctx.tenant_settings(&claims.tenant_id).await?;
    let phone = match raw_phone.as_deref() {
        Some(p) => match phone::normalize(p, &settings.default_region) {
            Ok(e164) => Some(e164),
            Err(e) => {
                f.error("phone", e.to_string());
                None
            }
        },
        None => None,
    };
    if raw_phone.is_none() && email.is_none() {
        f.error("phone", "give a phone or an email (or both)");
    }
    f.finish(()).map_err(ApiError::Validation)?;
    let erased = privacy::erase_person(
        ctx.store.as_ref(),
        &claims.tenant_id,
        &Person { phone, email },
    )
    .await?;
    tracing::info!(tenant = %claims.tenant_id, actor = %claims.sub, customers = erased.customers,
        leads = erased.leads, messages = erased.messages, "person erased");
    json(StatusCode::OK, &erased)
}
