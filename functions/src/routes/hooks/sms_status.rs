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
use crm_shared::domain::tenant::TenantSettings;
use crm_shared::domain::validation::Fields;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json, object_body, respond};
use crm_shared::ports::store::StoreError;
use crm_shared::store::messages::{self, ParkedReport};
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::context::Ctx;
use crate::routes::hooks::signature::{applied_once, provider_fields, verified_provider_tenant};
use crate::routes::schema::ProviderHook;

/// The message's status after a delivery report.
#[derive(Serialize, ToSchema)]
pub struct DeliveryAnswer {
    /// null while the report is parked
    #[schema(required)]
    pub message_id: Option<String>,
    pub status: MessageStatus,
    pub changed: bool,
    /// true: kept until the send is recorded
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub parked: Option<bool>,
}

impl DeliveryAnswer {
    fn of(message_id: &str, status: MessageStatus, changed: bool) -> Self {
        DeliveryAnswer {
            message_id: Some(message_id.to_owned()),
            status,
            changed,
            parked: None,
        }
    }
}

#[utoipa::path(
    post,
    path = "/hooks/{tenant}/sms-status",
    operation_id = "sms_status",
    params(ProviderHook),
    request_body(content((crate::routes::schema::DeliveryReport = "application/json"), (crate::routes::schema::DeliveryReport = "application/x-www-form-urlencoded"))),
    responses(
        (status = 200, description = "The message's status after the report", body = DeliveryAnswer),
        (status = 202, description = "A final report for a provider id not recorded yet: kept (parked) and applied when the send is recorded", body = DeliveryAnswer),
        (status = 400, description = "Malformed request"),
        (status = 401, description = "Missing, bad or expired signature, no webhook secret configured, an unknown tenant (the same answer as a bad signature), or a Twilio signature without the provider's auth token configured"),
        (status = 404, description = "An intermediate status for a provider id not recorded"),
        (status = 413, description = "Body over 16 KB"),
        (status = 415, description = "Unsupported content type"),
        (status = 422, description = "Invalid fields, each named"),
        (status = 503, description = "The message kept changing; the provider may send the report again"),
    )
)]
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
    let verified = verified_provider_tenant(ctx, request).await?;
    applied_once(ctx, verified, |settings, _| apply(ctx, request, settings)).await
}

async fn apply(
    ctx: &Ctx,
    request: &Request,
    settings: TenantSettings,
) -> Result<Response<Body>, ApiError> {
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
                        &DeliveryAnswer {
                            message_id: None,
                            status: to,
                            changed: false,
                            parked: Some(true),
                        },
                    );
                }
                Err(StoreError::ConditionFailed("provider_known")) => continue,
                Err(e) => return Err(e.into()),
            }
        };
        let Some(to) = reported(&status) else {
            return json(
                StatusCode::OK,
                &DeliveryAnswer::of(&message.id, message.status, false),
            );
        };
        // Statuses only move forward: the first final report wins, later ones (a "failed"
        // after "delivered", or the reverse) change nothing.
        if message.status == to || message.status.is_final() {
            return json(
                StatusCode::OK,
                &DeliveryAnswer::of(&message.id, message.status, false),
            );
        }
        let mut after = message.clone();
        after.status = to;
        after.reason = reason(to);
        match messages::update(store, &message, after, now).await {
            Ok(m) => {
                tracing::info!(tenant = %tenant, message_id = %m.id, status = to.as_str(), "delivery report");
                return json(StatusCode::OK, &DeliveryAnswer::of(&m.id, m.status, true));
            }
            Err(StoreError::ConditionFailed("message_version")) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::Unavailable("the message kept changing".into()))
}
