//! `POST /leads/{id}/status`: move a lead along the pipeline (DESIGN §2.1).

use crm_shared::domain::events::Event;
use crm_shared::domain::lead::LeadStatus;
use crm_shared::domain::validation::Fields;
use crm_shared::http::auth::{authorize, Role};
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{
    if_match_version, json_versioned, object_body, path_param, respond,
};
use crm_shared::store::leads;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;

use crate::context::Ctx;

pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(change(ctx, &request).await)
}

async fn change(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = authorize(request, Role::Staff)?;
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
    ctx.publish(vec![Event::lead_status_changed(&claims.tenant_id, &event)])
        .await;
    json_versioned(
        StatusCode::OK,
        &json!({"lead": lead, "event": event}),
        lead.version,
    )
}
