//! `POST /duplicates/{id}/resolve` (owner, admin): `{"action": "merge", "keep": <customer
//! id>}` merges the other customer into the one kept (bookings, leads, messages, calls,
//! notes, tags and timeline move; KPIs recomputed from the moved booking facts; the removed
//! id answers 301 to the kept one); `keep_both` (two people) or `ignore` close the pair.
//! Idempotent: the same resolution again answers the same; a merge interrupted halfway is
//! finished by sending it again.

use crm_shared::domain::customer::Customer;
use crm_shared::domain::duplicate::DuplicatePair;
use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json, object_body, path_param, respond};
use crm_shared::store::customers;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;

use crate::context::Ctx;
use crate::routes::schema::DuplicateId;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Resolved {
    pub pair: DuplicatePair,
    /// The kept customer after a merge.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub customer: Option<Customer>,
}

#[utoipa::path(
    post,
    path = "/duplicates/{id}/resolve",
    operation_id = "resolve_duplicate",
    params(DuplicateId),
    request_body = crate::routes::schema::Resolution,
    responses(
        (status = 200, description = "The pair, resolved (and the kept customer after a merge)", body = Resolved),
        (status = 404, description = "No such pair in your tenant, or one of its customers is gone"),
        (status = 409, description = "The pair was resolved otherwise"),
        (status = 422, description = "Invalid action, or keep is not one of the pair"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(resolve(ctx, &request).await)
}

async fn resolve(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let tenant = &claims.tenant_id;
    let (input, _) = object_body(request, false)?;
    let mut f = crm_shared::domain::validation::Fields::default();
    f.reject_unknown(&input, &["action", "keep"]);
    let action = input
        .get("action")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned();
    let status = match action.as_str() {
        "merge" => "merged",
        "keep_both" => "kept_both",
        "ignore" => "ignored",
        _ => {
            f.error("action", "must be merge, keep_both or ignore");
            ""
        }
    };
    let keep = input
        .get("keep")
        .and_then(|v| v.as_str())
        .map(str::to_owned);
    if action == "merge" && keep.is_none() {
        f.error("keep", "names the customer to keep (one of the pair)");
    }
    f.finish(()).map_err(ApiError::Validation)?;
    let store = ctx.store.as_ref();
    let mut pair = customers::pair(store, tenant, &path_param(request, "id")?)
        .await?
        .ok_or(ApiError::NotFound("duplicate pair"))?;
    let done_already =
        pair.status == status && (action != "merge" || pair.kept_id.as_deref() == keep.as_deref());
    let merging_again = pair.status == "merging" && pair.kept_id.as_deref() == keep.as_deref();
    if !(pair.status == "pending" || done_already || merging_again) {
        return Err(ApiError::conflict(
            format!("the pair is already {}", pair.status.replace('_', " ")),
            serde_json::json!({"pair_status": pair.status, "kept_id": pair.kept_id}),
        ));
    }
    let now = ctx.clock.now();
    let mut customer = None;
    if done_already && action == "merge" {
        customer =
            customers::get(store, tenant, pair.kept_id.as_deref().unwrap_or_default()).await?;
    } else if let Some(keep) = keep.filter(|_| action == "merge") {
        let remove = if keep == pair.existing_id {
            pair.new_id.clone()
        } else if keep == pair.new_id {
            pair.existing_id.clone()
        } else {
            return Err(ApiError::field(
                "keep",
                "is not one of the pair's customers",
            ));
        };
        if pair.status == "pending" {
            pair.status = "merging".into();
            pair.kept_id = Some(keep.clone());
            pair.resolved_at = Some(now);
            customers::save_pair(store, tenant, &pair).await?;
        }
        let settings = ctx.tenant_settings(tenant).await?;
        // The audit entry sorts by when the merge began, and a merge run again writes the same.
        let began = pair.resolved_at.unwrap_or(now);
        let audit = customers::imported_id(&pair.id, 0, &began.timestamp_millis().to_string());
        let audit = ulid::Ulid::from_string(&audit)
            .map(|u| {
                ulid::Ulid::from_parts(began.timestamp_millis().max(0) as u64, u.random())
                    .to_string()
            })
            .unwrap_or(audit);
        let kept =
            customers::merge(store, &settings, &keep, &remove, &pair.id, &audit, now).await?;
        customer = Some(kept);
    }
    if !done_already {
        pair.status = status.into();
        pair.resolved_by = Some(claims.sub.clone());
        pair.resolved_at = Some(now);
        customers::save_pair(store, tenant, &pair).await?;
        tracing::info!(tenant = %tenant, pair_id = %pair.id, action = %action, actor = %claims.sub, "duplicate pair resolved");
    }
    json(StatusCode::OK, &Resolved { pair, customer })
}
