//! `GET /duplicates` (owner, admin): the pairs waiting for review (and any merge interrupted
//! halfway), newest first, each with
//! its score, the reasons it was flagged and both customers side by side. `status=all` lists
//! reviewed pairs too.

use chrono::{DateTime, Utc};
use crm_shared::domain::customer::Customer;
use crm_shared::domain::duplicate::DuplicatePair;
use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json, query_param, reject_unknown_params, respond};
use crm_shared::store::customers;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;

use crate::context::Ctx;
use crate::routes::schema::DuplicateParams;

pub const PARAMS: &[&str] = &["status"];

/// Pairs read per request.
const MAX_PAIRS: u32 = 200;

/// One side of a pair, as the review screen shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Side {
    pub id: String,
    pub name: String,
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    pub tags: Vec<String>,
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
    let all = match query_param(request, "status").as_deref() {
        None | Some("pending") => false,
        Some("all") => true,
        Some(_) => return Err(ApiError::field("status", "must be pending or all")),
    };
    let store = ctx.store.as_ref();
    let tenant = &claims.tenant_id;
    let mut pairs = Vec::new();
    for pair in customers::pairs(store, tenant, MAX_PAIRS).await? {
        // A merge interrupted halfway stays listed: resolving it again finishes it.
        if !all && pair.status != "pending" && pair.status != "merging" {
            continue;
        }
        // A pair whose customer was deleted or merged away since is no longer a question.
        let (Some(existing), Some(new)) = (
            customers::get(store, tenant, &pair.existing_id).await?,
            customers::get(store, tenant, &pair.new_id).await?,
        ) else {
            continue;
        };
        pairs.push(Review {
            existing: Side::from(&existing),
            new: Side::from(&new),
            pair,
        });
    }
    json(StatusCode::OK, &Reviews { pairs })
}
