//! `POST /leads/{id}/status`: move a lead along the pipeline (DESIGN §2.1).

use crm_shared::domain::lead::{Lead, LeadStatus, StatusEvent};
use crm_shared::domain::validation::Fields;
use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{
    if_match_version, json_versioned, object_body, path_param, respond,
};
use crm_shared::store::leads;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::context::Ctx;
use crate::routes::schema::{IfMatch, LeadId};

/// The lead after the change, and the status event written.
#[derive(Serialize, ToSchema)]
pub struct StatusChanged {
    pub lead: Lead,
    pub event: StatusEvent,
}

#[utoipa::path(
    post,
    path = "/leads/{id}/status",
    operation_id = "change_lead_status",
    params(LeadId, IfMatch),
    request_body = crate::routes::schema::StatusChange,
    responses(
        (status = 200, description = "The lead and the status event written", body = StatusChanged),
        (status = 404, description = "No such lead in your tenant"),
        (status = 409, description = "Transition not allowed; `allowed` lists the statuses it may move to"),
        (status = 412, description = "The lead changed since the version in If-Match"),
        (status = 413, description = "Body over 16 KB"),
        (status = 415, description = "Unsupported content type"),
        (status = 422, description = "Invalid fields (a lost lead needs a reason)"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(change(ctx, &request).await)
}

async fn change(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let id = path_param(request, "id")?;
    let expected = if_match_version(request)?;
    let (input, _) = object_body(request, false)?;
    let mut f = Fields::default();
    f.reject_unknown(&input, &["status", "reason"]);
    let to = f.required_text(&input, "status", 20).and_then(|s| {
        let parsed = LeadStatus::parse(&s);
        if parsed.is_none() {
            f.error("status", "is not a lead status");
        }
        parsed
    });
    let reason = f.text(&input, "reason", 500, false);
    let to = f
        .finish(to)
        .map_err(ApiError::Validation)?
        .ok_or(ApiError::field("status", "is required"))?;
    let change = leads::StatusChange {
        to,
        reason: reason.as_deref(),
        actor: &claims.sub,
        expected_version: expected,
    };
    let (lead, event) = leads::change_status(
        ctx.store.as_ref(),
        &claims.tenant_id,
        &id,
        &change,
        ctx.clock.now(),
    )
    .await?;
    tracing::info!(tenant = %claims.tenant_id, lead_id = %id, from = ?event.from, to = %to, actor = %claims.sub, "lead status changed");
    // `lead.status_changed` goes out from the status event's own change record
    // (`crm_shared::store::stream`), written in the same transaction as the change.
    let version = lead.version;
    json_versioned(StatusCode::OK, &StatusChanged { lead, event }, version)
}
