//! `POST /hooks/{tenant}/sms-inbound`: a text a customer sent the business, forwarded by the
//! SMS provider's inbound hook, signed like every webhook or with Twilio's own signature
//! (then answered with empty TwiML, so Twilio sends no reply of its own). `From` and `Body`
//! (Twilio's form fields; `from`/`body` in JSON too). STOP and its synonyms opt the number
//! out of every text of this tenant, START opts it back in; any other text goes on the
//! sender's timeline when the number is a customer's.

use crm_shared::domain::message::{keyword, Keyword};
use crm_shared::domain::phone;
use crm_shared::domain::validation::Fields;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json, object_body, respond};
use crm_shared::store::{customers, messages};
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;

use crate::context::Ctx;
use crate::routes::hooks::signature::{provider_fields, verified_provider_tenant, Signer};

/// An empty TwiML answer: Twilio expects XML from a messaging webhook; empty means "no reply".
const EMPTY_TWIML: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Response></Response>"#;

pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(receive(ctx, &request).await)
}

async fn receive(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let (settings, signer) = verified_provider_tenant(ctx, request).await?;
    let tenant = &settings.tenant_id;
    let (input, _) = object_body(request, true)?;
    let fields = provider_fields(&input, &[("From", "from"), ("Body", "body")]);
    let mut f = Fields::default();
    let from = f.required_text(&fields, "from", 40);
    let body = f.text(&fields, "body", 1_600, true).unwrap_or_default();
    let from = f
        .finish(from)
        .map_err(ApiError::Validation)?
        .unwrap_or_default();
    let e164 = phone::normalize(&from, &settings.default_region)
        .map_err(|e| ApiError::field("from", e.to_string()))?;
    let store = ctx.store.as_ref();
    let customer = customers::id_by_phone(store, tenant, &e164).await?;
    let now = ctx.clock.now();
    let action = match keyword(&body) {
        Some(Keyword::Stop) => {
            messages::set_opt_out(store, tenant, &e164, true, customer.as_deref(), now).await?;
            tracing::info!(tenant = %tenant, customer_id = ?customer, "number opted out of texts");
            "opted_out"
        }
        Some(Keyword::Start) => {
            messages::set_opt_out(store, tenant, &e164, false, customer.as_deref(), now).await?;
            tracing::info!(tenant = %tenant, customer_id = ?customer, "number opted back in");
            "opted_in"
        }
        None => {
            if let Some(id) = &customer {
                customers::note_inbound_text(store, tenant, id, &body, now).await?;
            }
            "received"
        }
    };
    if signer == Signer::Twilio {
        return Response::builder()
            .status(StatusCode::OK)
            .header(http::header::CONTENT_TYPE, "text/xml; charset=utf-8")
            .body(Body::from(EMPTY_TWIML))
            .map_err(|e| ApiError::Internal(e.to_string()));
    }
    json(
        StatusCode::OK,
        &json!({"action": action, "customer_id": customer}),
    )
}
