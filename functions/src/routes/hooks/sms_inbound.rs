//! `POST /hooks/{tenant}/sms-inbound`: a text a customer sent the business, forwarded by the
//! SMS provider's inbound hook, signed like every webhook or with Twilio's own signature
//! (then answered with empty TwiML, so Twilio sends no reply of its own). `From` and `Body`
//! (Twilio's form fields; `from`/`body` in JSON too). STOP and its synonyms opt the number
//! out of every text of this tenant, START opts it back in; any other text goes on the
//! sender's timeline when the number is a customer's.
//!
//! A number several businesses share (the operator allowed it to each): the provider stops
//! delivering from it to whoever sent STOP, whichever business texted them, so a STOP (and a
//! START) reported by the provider itself, its `To` being the shared number, applies to every
//! business that shares it. One signed with a business's own secret applies to that business
//! only (no business may opt people out of another's texts).

use crm_shared::domain::message::{keyword, Keyword};
use crm_shared::domain::phone;
use crm_shared::domain::tenant::TenantSettings;
use crm_shared::domain::validation::Fields;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json, object_body, respond};
use crm_shared::store::{customers, messages, senders};
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::context::Ctx;
use crate::routes::hooks::signature::{
    applied_once, provider_fields, verified_provider_tenant, Replayed, Signer,
};
use crate::routes::schema::ProviderHook;

/// An empty TwiML answer: Twilio expects XML from a messaging webhook; empty means "no reply".
const EMPTY_TWIML: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Response></Response>"#;

/// What an inbound text did.
#[derive(Serialize, ToSchema)]
pub struct InboundAnswer {
    pub action: InboundAction,
    /// The customer with the sender's number, if any.
    #[schema(required)]
    pub customer_id: Option<String>,
}

/// What the hook answers: the request's effect, or that it was a replay (nothing done).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // documents the answer's two shapes; each is serialized on its own
pub enum InboundWebhookAnswer {
    Applied(Box<InboundAnswer>),
    Replayed(Replayed),
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InboundAction {
    /// STOP: no more texts to this number.
    OptedOut,
    /// START: texts again.
    OptedIn,
    /// Anything else: on the customer's timeline.
    Received,
}

#[utoipa::path(
    post,
    path = "/hooks/{tenant}/sms-inbound",
    operation_id = "sms_inbound",
    params(ProviderHook),
    request_body(content((crate::routes::schema::InboundText = "application/json"), (crate::routes::schema::InboundText = "application/x-www-form-urlencoded"))),
    responses(
        (status = 200, description = "What the text did; to a Twilio-signed request, an empty TwiML answer; or `{\"replayed\": true}`: the same signed request again within its window, nothing done", content((InboundWebhookAnswer = "application/json"), (String = "text/xml"))),
        (status = 400, description = "Malformed request"),
        (status = 401, description = "Missing, bad or expired signature, no webhook secret configured, an unknown tenant (the same answer as a bad signature), or a Twilio signature without the provider's auth token configured"),
        (status = 413, description = "Body over 16 KB"),
        (status = 415, description = "Unsupported content type"),
        (status = 422, description = "Invalid fields, each named"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(receive(ctx, &request).await)
}

async fn receive(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let verified = verified_provider_tenant(ctx, request).await?;
    applied_once(ctx, verified, |settings, signer| {
        apply(ctx, request, settings, signer)
    })
    .await
}

async fn apply(
    ctx: &Ctx,
    request: &Request,
    settings: TenantSettings,
    signer: Signer,
) -> Result<Response<Body>, ApiError> {
    let tenant = &settings.tenant_id;
    let (input, _) = object_body(request, true)?;
    let fields = provider_fields(&input, &[("From", "from"), ("Body", "body"), ("To", "to")]);
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
            if signer == Signer::Twilio {
                sharers_follow(ctx, tenant, fields.get("to"), &e164, true).await?;
            }
            InboundAction::OptedOut
        }
        Some(Keyword::Start) => {
            messages::set_opt_out(store, tenant, &e164, false, customer.as_deref(), now).await?;
            tracing::info!(tenant = %tenant, customer_id = ?customer, "number opted back in");
            if signer == Signer::Twilio {
                sharers_follow(ctx, tenant, fields.get("to"), &e164, false).await?;
            }
            InboundAction::OptedIn
        }
        None => {
            if let Some(id) = &customer {
                customers::note_inbound_text(store, tenant, id, &body, now).await?;
            }
            InboundAction::Received
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
        &InboundAnswer {
            action,
            customer_id: customer,
        },
    )
}

/// The provider's STOP or START on a shared number (`to`), applied to every other business
/// the operator allowed that number: the provider blocks (or unblocks) the number for all of
/// them, and each business's own records say so.
async fn sharers_follow(
    ctx: &Ctx,
    tenant: &str,
    to: Option<&serde_json::Value>,
    e164: &str,
    opted_out: bool,
) -> Result<(), ApiError> {
    let Some(sender) = to
        .and_then(|v| v.as_str())
        .map(str::trim)
        .filter(|s| !s.is_empty())
    else {
        return Ok(());
    };
    let store = ctx.store.as_ref();
    for other in senders::sharing(store, sender).await? {
        if other == tenant {
            continue;
        }
        let customer = customers::id_by_phone(store, &other, e164).await?;
        messages::set_opt_out(
            store,
            &other,
            e164,
            opted_out,
            customer.as_deref(),
            ctx.clock.now(),
        )
        .await?;
        tracing::info!(tenant = %other, via = %tenant, opted_out, "opt-out on a shared sender applied");
    }
    Ok(())
}
