//! `POST /hooks/{tenant}/sms-status`: the SMS provider's delivery report for a text we sent,
//! signed like every webhook or with Twilio's own signature. Twilio's status-callback fields
//! (`MessageSid`, `MessageStatus`, `ErrorCode`; form-encoded, or JSON): `delivered` marks
//! the message delivered, `undelivered` and `failed` mark it failed with the carrier's
//! reason; the provider's intermediate statuses (`queued`, `sending`, `sent`) change
//! nothing. Each change is on the customer's timeline. A final report for a provider id we
//! have not recorded yet is kept (202) and applied when the send is recorded: the provider
//! can call back before our write of its id lands, and does not call again. An intermediate
//! one for an unknown id is a 404.

use crm_shared::domain::message::MessageStatus;
use crm_shared::domain::validation::Fields;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json, object_body, respond};
use crm_shared::ports::store::StoreError;
use crm_shared::store::messages::{self, ParkedReport};
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::{json, Value};

use crate::context::Ctx;
use crate::routes::hooks::signature::{provider_fields, verified_provider_tenant};

pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(receive(ctx, &request).await)
}

/// What a provider status means for our message, if anything.
pub fn reported(status: &str) -> Option<MessageStatus> {
    match status {
        "delivered" | "read" => Some(MessageStatus::Delivered),
        "undelivered" | "failed" => Some(MessageStatus::Failed),
        _ => None,
    }
}

async fn receive(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let (settings, _) = verified_provider_tenant(ctx, request).await?;
    let tenant = &settings.tenant_id;
    let (input, _) = object_body(request, true)?;
    let mut fields = provider_fields(
        &input,
        &[
            ("MessageSid", "message_sid"),
            ("MessageStatus", "message_status"),
            ("ErrorCode", "error_code"),
        ],
    );
    // An error code may come as a number in JSON.
    if let Some(Value::Number(n)) = fields.get("error_code") {
        let code = Value::String(n.to_string());
        fields.insert("error_code".into(), code);
    }
    let mut f = Fields::default();
    let sid = f.required_text(&fields, "message_sid", 64);
    let status = f.required_text(&fields, "message_status", 32);
    let code = f.text(&fields, "error_code", 16, false);
    let (sid, status) = f.finish((sid, status)).map_err(ApiError::Validation)?;
    let (sid, status) = (sid.unwrap_or_default(), status.unwrap_or_default());
    let store = ctx.store.as_ref();
    let now = ctx.clock.now();
    let reason = |to: MessageStatus| {
        (to == MessageStatus::Failed).then(|| match &code {
            Some(code) => format!("carrier reported {status} (error {code})"),
            None => format!("carrier reported {status}"),
        })
    };
    for _ in 0..4 {
        let Some(message) = messages::by_provider_id(store, tenant, &sid).await? else {
            // Before the send is recorded (the provider can be that quick): a final report
            // is kept for it; an intermediate one changes nothing anyway.
            let Some(to) = reported(&status) else {
                return Err(ApiError::NotFound("message"));
            };
            let report = ParkedReport {
                status: to,
                reason: reason(to),
            };
            match messages::park_report(store, tenant, &sid, &report, now).await {
                Ok(()) => {
                    tracing::info!(tenant = %tenant, provider_id = %sid, status = to.as_str(), "delivery report parked until the send is recorded");
                    return json(
                        StatusCode::ACCEPTED,
                        &json!({"message_id": null, "status": to, "changed": false, "parked": true}),
                    );
                }
                Err(StoreError::ConditionFailed("provider_known")) => continue,
                Err(e) => return Err(e.into()),
            }
        };
        let Some(to) = reported(&status) else {
            return json(
                StatusCode::OK,
                &json!({"message_id": message.id, "status": message.status, "changed": false}),
            );
        };
        if message.status == to {
            return json(
                StatusCode::OK,
                &json!({"message_id": message.id, "status": to, "changed": false}),
            );
        }
        let mut after = message.clone();
        after.status = to;
        after.reason = reason(to);
        match messages::update(store, &message, after, now).await {
            Ok(m) => {
                tracing::info!(tenant = %tenant, message_id = %m.id, status = to.as_str(), "delivery report");
                return json(
                    StatusCode::OK,
                    &json!({"message_id": m.id, "status": m.status, "changed": true}),
                );
            }
            Err(StoreError::ConditionFailed("message_version")) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::Unavailable("the message kept changing".into()))
}
