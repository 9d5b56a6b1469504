//! `GET /customers/{id}`: a customer's profile, KPIs, spending summary, bookings and the
//! leads they came from; their version is the ETag.

use chrono::{DateTime, Utc};
use crm_shared::domain::booking::BookingState;
use crm_shared::domain::customer::{Customer, Tier};
use crm_shared::domain::lead::Lead;
use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json_versioned, path_param, respond};
use crm_shared::store::{customers, leads};
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::context::Ctx;
use crate::routes::schema::CustomerId;

/// A customer with their KPIs, spending, bookings and the leads they came from.
#[derive(Serialize, ToSchema)]
pub struct CustomerDetail {
    pub customer: Customer,
    pub kpis: Kpis,
    pub spending: Spending,
    pub bookings: Vec<BookingState>,
    pub leads: Vec<Lead>,
}

/// A customer's figures. Money in minor units.
#[derive(Serialize, ToSchema)]
pub struct Kpis {
    pub visits: i64,
    pub lifetime_value: i64,
    pub average_spend: i64,
    #[schema(required)]
    pub last_visit: Option<DateTime<Utc>>,
    #[schema(required)]
    pub next_booking: Option<DateTime<Utc>>,
    pub no_shows: i64,
    pub cancellations: i64,
    pub bookings: i64,
    /// Completed ÷ bookings; null before the first booking.
    #[schema(required)]
    pub completion_rate: Option<f64>,
    #[schema(required)]
    pub most_booked_service: Option<String>,
    pub points: i64,
    pub tier: Tier,
}

/// What a customer spent. Minor units.
#[derive(Serialize, ToSchema)]
pub struct Spending {
    pub total: i64,
    pub average_per_visit: i64,
    #[schema(required)]
    pub most_booked_service: Option<String>,
}

#[utoipa::path(
    get,
    path = "/customers/{id}",
    operation_id = "get_customer",
    params(CustomerId),
    responses(
        (status = 200, description = "The customer with KPIs, spending, bookings and leads", body = CustomerDetail),
        (status = 301, description = "Merged into another customer: Location names it (relative: the kept id), `merged_into` too", body = Object),
        (status = 404, description = "No such customer in your tenant"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(get(ctx, &request).await)
}

async fn get(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let tenant = &claims.tenant_id;
    let id = path_param(request, "id")?;
    let store = ctx.store.as_ref();
    let Some(customer) = customers::get(store, tenant, &id).await? else {
        // Merged into another: old links go there.
        return match customers::merged_into(store, tenant, &id).await? {
            Some(kept) => moved_to(&kept),
            None => Err(ApiError::NotFound("customer")),
        };
    };
    let bookings = customers::bookings(store, tenant, &id).await?;
    let mut from_leads = Vec::new();
    for lead_id in &customer.lead_ids {
        if let Some(lead) = leads::get(store, tenant, lead_id).await? {
            from_leads.push(lead);
        }
    }
    let now = ctx.clock.now();
    let totals = &customer.totals;
    let most_booked = totals.most_booked_service().map(str::to_owned);
    let body = CustomerDetail {
        kpis: Kpis {
            visits: totals.visits,
            lifetime_value: totals.lifetime_value,
            average_spend: totals.average_spend(),
            last_visit: customer.last_visit,
            next_booking: customer.next_booking(now),
            no_shows: totals.no_shows,
            cancellations: totals.cancellations,
            bookings: totals.bookings,
            completion_rate: totals.completion_rate(),
            most_booked_service: most_booked.clone(),
            points: customer.points,
            tier: customer.tier,
        },
        spending: Spending {
            total: totals.lifetime_value,
            average_per_visit: totals.average_spend(),
            most_booked_service: most_booked,
        },
        bookings,
        leads: from_leads,
        customer,
    };
    json_versioned(StatusCode::OK, &body, body.customer.version)
}

/// 301 to the customer `kept` (a merged customer's old link).
fn moved_to(kept: &str) -> Result<Response<Body>, ApiError> {
    Response::builder()
        .status(http::StatusCode::MOVED_PERMANENTLY)
        // Relative to /…/customers/<old id>: right behind the API's stage path too.
        .header(http::header::LOCATION, kept)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Body::Text(
            serde_json::json!({"merged_into": kept}).to_string(),
        ))
        .map_err(|e| ApiError::Internal(e.to_string()))
}
