//! `GET /customers/{id}`: a customer's profile, KPIs, spending summary, bookings and the
//! leads they came from; their version is the ETag.

use crm_shared::http::auth::{authorize, Role};
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json_versioned, path_param, respond};
use crm_shared::store::{customers, leads};
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;

use crate::context::Ctx;

pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(get(ctx, &request).await)
}

async fn get(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = authorize(request, Role::Staff)?;
    let tenant = &claims.tenant_id;
    let id = path_param(request, "id")?;
    let store = ctx.store.as_ref();
    let customer = customers::get(store, tenant, &id)
        .await?
        .ok_or(ApiError::NotFound("customer"))?;
    let bookings = customers::bookings(store, tenant, &id).await?;
    let mut from_leads = Vec::new();
    for lead_id in &customer.lead_ids {
        if let Some(lead) = leads::get(store, tenant, lead_id).await? {
            from_leads.push(lead);
        }
    }
    let now = ctx.clock.now();
    let totals = &customer.totals;
    let body = json!({
        "customer": customer,
        "kpis": {
            "visits": totals.visits,
            "lifetime_value": totals.lifetime_value,
            "average_spend": totals.average_spend(),
            "last_visit": customer.last_visit,
            "next_booking": customer.next_booking(now),
            "no_shows": totals.no_shows,
            "cancellations": totals.cancellations,
            "bookings": totals.bookings,
            "completion_rate": totals.completion_rate(),
            "most_booked_service": totals.most_booked_service(),
            "points": customer.points,
            "tier": customer.tier,
        },
        "spending": {
            "total": totals.lifetime_value,
            "average_per_visit": totals.average_spend(),
            "most_booked_service": totals.most_booked_service(),
        },
        "bookings": bookings,
        "leads": from_leads,
    });
    json_versioned(StatusCode::OK, &body, customer.version)
}
