//! `POST /hooks/{tenant}/calls`: the telephony / voice agent reports a call, signed like the
//! booking webhook (`webhook::verified_tenant`). Every call goes on its customer's
//! timeline (an unknown caller becomes a customer); a missed one enters the recovery queue
//! and, when the tenant says so, gets its recovery text queued for N minutes later.
//! The same call id again records nothing: 200 with what the first delivery recorded.

use chrono::Duration;
use crm_shared::domain::call::read_call;
use crm_shared::domain::call::{CallStatus, MissedCall, MissedCallStatus};
use crm_shared::domain::message::MessageKind;
use crm_shared::domain::tenant::TenantSettings;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json, object_body, respond};
use crm_shared::store::calls;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::context::Ctx;
use crate::routes::hooks::signature::{applied_once, verified_tenant, Replayed};
use crate::routes::schema::SignedHook;
use crate::usecases::messaging::{self, Outgoing};

/// What a call report recorded.
#[derive(Serialize, ToSchema)]
pub struct CallAnswer {
    /// False when this call id was recorded before.
    pub recorded: bool,
    pub call_id: String,
    pub status: CallStatus,
    pub customer_id: String,
    /// Whether the caller became a new customer.
    pub customer_created: bool,
    pub timeline_entry_id: String,
    /// The caller in the recovery queue, for a missed call.
    #[schema(required)]
    pub missed_call: Option<MissedCall>,
}

/// What the hook answers: the request's effect, or that it was a replay (nothing done).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // documents the answer's two shapes; each is serialized on its own
pub enum CallWebhookAnswer {
    Applied(Box<CallAnswer>),
    Replayed(Replayed),
}

#[utoipa::path(
    post,
    path = "/hooks/{tenant}/calls",
    operation_id = "call_webhook",
    params(SignedHook),
    request_body = crate::routes::schema::CallReport,
    responses(
        (status = 200, description = "This call id was recorded before: what the first delivery recorded; or `{\"replayed\": true}`: the same signed request again within its window, nothing done", body = CallWebhookAnswer),
        (status = 201, description = "Recorded (on the timeline; a missed call entered the recovery queue)", body = CallAnswer),
        (status = 400, description = "Malformed request"),
        (status = 401, description = "Missing, bad or expired signature, no webhook secret configured, or an unknown tenant (one answer for all three: the hooks do not reveal which businesses exist)"),
        (status = 409, description = "The caller's number was taken by a concurrent change; retry"),
        (status = 413, description = "Body over 16 KB"),
        (status = 415, description = "Unsupported content type"),
        (status = 422, description = "Invalid fields, each named"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(receive(ctx, &request).await)
}

async fn receive(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let verified = verified_tenant(ctx, request).await?;
    applied_once(ctx, verified, |settings, _| apply(ctx, request, settings)).await
}

async fn apply(
    ctx: &Ctx,
    request: &Request,
    settings: TenantSettings,
) -> Result<Response<Body>, ApiError> {
    let tenant = settings.tenant_id.clone();
    let (input, _) = object_body(request, false)?;
    let now = ctx.clock.now();
    let call = read_call(&input, &settings.default_region, now).map_err(ApiError::Validation)?;
    let store = ctx.store.as_ref();
    let (customer, created) =
        calls::caller(store, &settings, &call.from, call.name.as_deref(), now).await?;
    let name = call.name.clone().unwrap_or_else(|| customer.name.clone());
    let mut recorded = calls::record(store, &tenant, &call, &customer.id, &name, now).await?;
    if let Some(missed) = recorded.missed_call.take() {
        recorded.missed_call = Some(auto_text(ctx, &settings, missed).await);
    }
    tracing::info!(tenant = %tenant, call_id = %call.call_id, customer_id = %recorded.customer_id,
        status = call.status.as_str(), new = recorded.new, "call recorded");
    let status = if recorded.new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    json(
        status,
        &CallAnswer {
            recorded: recorded.new,
            call_id: recorded.call_id,
            status: recorded.status,
            customer_id: recorded.customer_id,
            customer_created: recorded.new && created,
            timeline_entry_id: recorded.timeline_entry_id,
            missed_call: recorded.missed_call,
        },
    )
}

/// Queues the recovery text of an open missed call when the tenant sends one by itself.
/// Best effort: the call is recorded either way, a failure is logged, and the recovery queue
/// shows the call without a text; a redelivered webhook tries the text again.
async fn auto_text(ctx: &Ctx, settings: &TenantSettings, missed: MissedCall) -> MissedCall {
    let Some(minutes) = settings.missed_call_sms_after_minutes else {
        return missed;
    };
    if missed.status != MissedCallStatus::Open || missed.sms_message_id.is_some() {
        return missed;
    }
    let now = ctx.clock.now();
    let out = Outgoing {
        id: calls::recovery_message_id(&missed.id),
        kind: MessageKind::MissedCall,
        to: missed.phone.clone(),
        name: missed.name.clone(),
        customer_id: Some(missed.customer_id.clone()),
        lead_id: None,
        missed_call_id: Some(missed.id.clone()),
        body: None,
        not_before: now + Duration::minutes(i64::from(minutes)),
        created_by: "system".into(),
    };
    let message = match messaging::enqueue(ctx, settings, out).await {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(tenant = %missed.tenant_id, missed_call_id = %missed.id, error = %e,
                "automatic missed-call text not queued");
            return missed;
        }
    };
    match calls::set_sms_message(
        ctx.store.as_ref(),
        &missed.tenant_id,
        &missed.id,
        &message.id,
        now,
    )
    .await
    {
        Ok(Some(updated)) => updated,
        Ok(None) => missed,
        Err(e) => {
            tracing::error!(tenant = %missed.tenant_id, missed_call_id = %missed.id, error = %e,
                "missed call's text not recorded on it");
            missed
        }
    }
}
