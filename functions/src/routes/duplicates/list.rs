//! `GET /duplicates` (owner, admin): the pairs waiting for review (and any merge interrupted
//! halfway), newest first, a page at a time (`limit`, `cursor`), each with its score, the
//! reasons it was flagged and both customers side by side. `status=all` lists reviewed pairs
//! too (a merged pair with its removed customer as they were).

use chrono::{DateTime, NaiveDate, Utc};
use crm_shared::domain::customer::Customer;
use crm_shared::domain::duplicate::DuplicatePair;
use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{
    cursor_param, json, page_limit, query_param, reject_unknown_params, respond,
};
use crm_shared::ports::store::Index;
use crm_shared::store::customers::{self, PairFilter};
use crm_shared::store::keys::duplicates_pk;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;

use crate::context::Ctx;
use crate::routes::schema::DuplicateParams;

pub const PARAMS: &[&str] = &["status", "limit", "cursor"];

/// One side of a pair, as the review screen shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Side {
    pub id: String,
    pub name: String,
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    pub tags: Vec<String>,
    /// The birthday, when known (a reason a pair may give: the same birthday).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub date_of_birth: Option<NaiveDate>,
    pub visits: i64,
    pub bookings: i64,
    /// Minor units.
    pub lifetime_value: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub last_visit: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub source: Option<String>,
    pub created_at: DateTime<Utc>,
    pub version: u64,
}

impl From<&Customer> for Side {
    fn from(c: &Customer) -> Self {
        Side {
            id: c.id.clone(),
            name: c.name.clone(),
            phones: c.phones.clone(),
            emails: c.emails.clone(),
            tags: c.tags.iter().cloned().collect(),
            date_of_birth: c.date_of_birth,
            visits: c.totals.visits,
            bookings: c.totals.bookings,
            lifetime_value: c.totals.lifetime_value,
            last_visit: c.last_visit,
            source: c.source.map(|s| s.as_str().to_owned()),
            created_at: c.created_at,
            version: c.version,
        }
    }
}

/// A pair with both customers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Review {
    #[serde(flatten)]
    pub pair: DuplicatePair,
    /// The customer who was there first.
    pub existing: Side,
    /// The customer made later.
    pub new: Side,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Reviews {
    pub pairs: Vec<Review>,
    /// The next page's `cursor`, when there may be more.
    #[schema(required)]
    pub next_cursor: Option<String>,
}

#[utoipa::path(
    get,
    path = "/duplicates",
    operation_id = "list_duplicates",
    params(DuplicateParams),
    responses(
        (status = 200, description = "Pairs with score, reasons and both customers", body = Reviews),
        (status = 422, description = "Invalid parameter, named"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(list(ctx, &request).await)
}

async fn list(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    reject_unknown_params(request, PARAMS)?;
    let filter = match query_param(request, "status").as_deref() {
        None | Some("pending") => PairFilter::Open,
        Some("all") => PairFilter::All,
        Some(_) => return Err(ApiError::field("status", "must be pending or all")),
    };
    let limit = page_limit(request, 50, 100)?;
    let tenant = &claims.tenant_id;
    let cursor = cursor_param(request, &duplicates_pk(tenant), Index::Primary)?;
    let (pairs, next) =
        customers::pairs_page(ctx.store.as_ref(), tenant, filter, limit, cursor).await?;
    let pairs = pairs
        .into_iter()
        .map(|p| Review {
            existing: Side::from(&p.existing),
            new: Side::from(&p.new),
            pair: p.pair,
        })
        .collect();
    json(
        StatusCode::OK,
        &Reviews {
            pairs,
            next_cursor: next.map(|c| c.encode()),
        },
    )
}
