//! `POST /missed-calls/{id}/sms`: staff queue the recovery text of a missed call now, with
//! their own words (`{"body": "…"}`) or the tenant's `missed_call` template.
//!
//! A handled missed call is 409 (`conflict: handled`): the caller was dealt with, so a
//! recovery text would be noise (write to the customer instead). A missed call that already
//! has its recovery text (queued by hand or by the tenant's automatic delay) is 409
//! (`conflict: sms_queued`, naming `message_id`): one recovery text per missed call.

use crm_shared::domain::call::{MissedCall, MissedCallStatus};
use crm_shared::domain::message::Message;
use crm_shared::domain::message::{MessageKind, MAX_BODY_CHARS};
use crm_shared::domain::validation::Fields;
use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{body_bytes, json, object_body, path_param, respond};
use crm_shared::store::calls;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::context::Ctx;
use crate::routes::schema::MissedCallId;
use crate::usecases::messaging::{self, Outgoing};

/// The missed call with its recovery text, and the text queued.
#[derive(Serialize, ToSchema)]
pub struct RecoveryTextAnswer {
    pub missed_call: MissedCall,
    pub message: Message,
}

#[utoipa::path(
    post,
    path = "/missed-calls/{id}/sms",
    operation_id = "missed_call_sms",
    params(MissedCallId),
    request_body(content = Option<crate::routes::schema::RecoveryText>, content_type = "application/json"),
    responses(
        (status = 201, description = "The recovery text was queued (now) and recorded on the missed call", body = RecoveryTextAnswer),
        (status = 404, description = "No such missed call in your tenant"),
        (status = 409, description = "Handled already (conflict: handled), its recovery text is queued already (conflict: sms_queued, message_id), or the tenant's template cannot be used"),
        (status = 413, description = "Body over 16 KB"),
        (status = 415, description = "Unsupported content type"),
        (status = 422, description = "Invalid fields, each named"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(send(ctx, &request).await)
}

/// The optional `body` of the request (an empty request body is allowed).
fn read_text(request: &Request) -> Result<Option<String>, ApiError> {
    if body_bytes(request).iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let (input, _) = object_body(request, false)?;
    let mut f = Fields::default();
    f.reject_unknown(&input, &["body"]);
    let body = f.text(&input, "body", MAX_BODY_CHARS, true);
    f.finish(body).map_err(ApiError::Validation)
}

async fn send(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let tenant = &claims.tenant_id;
    let id = path_param(request, "id")?;
    let text = read_text(request)?;
    let store = ctx.store.as_ref();
    let missed = calls::get(store, tenant, &id)
        .await?
        .ok_or(ApiError::NotFound("missed call"))?;
    if missed.status == MissedCallStatus::Handled {
        return Err(ApiError::conflict(
            "this missed call was handled; write to the customer instead",
            json!({"conflict": "handled", "handled_by": missed.handled_by, "handled_at": missed.handled_at}),
        ));
    }
    if let Some(message_id) = &missed.sms_message_id {
        return Err(ApiError::conflict(
            format!("this missed call's recovery text is already queued ({message_id})"),
            json!({"conflict": "sms_queued", "message_id": message_id}),
        ));
    }
    let settings = ctx.tenant_settings(tenant).await?;
    let now = ctx.clock.now();
    let message = messaging::enqueue(
        ctx,
        &settings,
        Outgoing {
            id: calls::recovery_message_id(&missed.id),
            kind: MessageKind::MissedCall,
            to: missed.phone.clone(),
            name: missed.name.clone(),
            customer_id: Some(missed.customer_id.clone()),
            lead_id: None,
            missed_call_id: Some(missed.id.clone()),
            body: text,
            not_before: now,
            created_by: claims.sub.clone(),
        },
    )
    .await?;
    let missed = calls::set_sms_message(store, tenant, &missed.id, &message.id, now)
        .await?
        .unwrap_or(missed);
    tracing::info!(tenant = %tenant, missed_call_id = %missed.id, message_id = %message.id,
        actor = %claims.sub, "missed-call text queued");
    json(
        StatusCode::CREATED,
        &RecoveryTextAnswer {
            missed_call: missed,
            message,
        },
    )
}
