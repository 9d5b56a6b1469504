//! `GET /customers`: customers sorted by any KPI (each order is its own index), filtered, in
//! cursor pages; or, with `q`, found by the start of a name word, an email or phone digits.

use chrono::{DateTime, Utc};
use crm_shared::domain::customer::Customer;
use crm_shared::domain::customer::{JourneyStage, Segment, Tier};
use crm_shared::domain::source::Source;
use crm_shared::domain::validation::Fields;
use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{
    cursor_param, json, page_limit, query_param, reject_unknown_params, respond,
};
use crm_shared::ports::store::Index;
use crm_shared::store::customers::{self, SortKey};
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use std::collections::BTreeSet;
use utoipa::openapi::path::{Parameter, ParameterIn};
use utoipa::{IntoParams, ToSchema};

use crate::context::Ctx;
use crate::routes::customers::query::{self, read_filter, read_sort};
use crate::routes::schema::{paging, text};

pub const PARAMS: &[&str] = &[
    "q", "sort", "order", "segment", "tag", "stage", "at_risk", "source", "limit", "cursor",
];

#[utoipa::path(
    get,
    path = "/customers",
    operation_id = "list_customers",
    params(ListParams),
    responses(
        (status = 200, description = "A page of customers", body = CustomerPage),
        (status = 422, description = "Invalid parameter, each named"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(list(ctx, &request).await)
}

/// A page of customers.
#[derive(Serialize, ToSchema)]
pub struct CustomerPage {
    pub customers: Vec<CustomerRow>,
    #[schema(required)]
    pub next_cursor: Option<String>,
}

/// One row of the list: who, how to reach them, and the numbers it sorts by.
#[derive(Serialize, ToSchema)]
pub struct CustomerRow {
    pub id: String,
    pub name: String,
    /// The primary phone.
    #[schema(required)]
    pub phone: Option<String>,
    /// The primary email.
    #[schema(required)]
    pub email: Option<String>,
    pub segment: Segment,
    pub tier: Tier,
    pub stage: JourneyStage,
    pub at_risk: bool,
    pub tags: BTreeSet<String>,
    pub auto_tags: BTreeSet<String>,
    #[schema(required)]
    pub source: Option<Source>,
    /// Minor units.
    pub lifetime_value: i64,
    pub visits: i64,
    #[schema(required)]
    pub last_visit: Option<DateTime<Utc>>,
    pub points: i64,
    pub no_shows: i64,
    pub created_at: DateTime<Utc>,
    pub version: u64,
}

fn row(c: &Customer) -> CustomerRow {
    CustomerRow {
        id: c.id.clone(),
        name: c.name.clone(),
        phone: c.phones.first().cloned(),
        email: c.emails.first().cloned(),
        segment: c.segment,
        tier: c.tier,
        stage: c.stage,
        at_risk: c.at_risk,
        tags: c.tags.clone(),
        auto_tags: c.auto_tags.clone(),
        source: c.source,
        lifetime_value: c.totals.lifetime_value,
        visits: c.totals.visits,
        last_visit: c.last_visit,
        points: c.points,
        no_shows: c.totals.no_shows,
        created_at: c.created_at,
        version: c.version,
    }
}

/// [`PARAMS`], described.
pub struct ListParams;

impl IntoParams for ListParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let mut params = vec![crate::routes::schema::query(
            "q",
            text(100),
            "Start of a name word, an email, or phone digits (the last four too); 2+ characters",
        )];
        params.extend(query::params("Order (not with q); default created"));
        params.extend(paging(100, 25, "next_cursor"));
        params
    }
}

async fn list(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let tenant = &claims.tenant_id;
    reject_unknown_params(request, PARAMS)?;
    let limit = page_limit(request, 25, 100)?;
    let mut f = Fields::default();
    let filter = read_filter(&mut f, request);
    let q = query_param(request, "q").filter(|q| !q.trim().is_empty());
    let (sort, descending) = read_sort(&mut f, request);
    if let Some(q) = &q {
        if !customers::is_searchable(q) {
            f.error("q", "needs a word of at least two characters");
        }
        if sort.is_some() {
            f.error(
                "sort",
                "does not apply to a search (results come in match order)",
            );
        }
    }
    f.finish(()).map_err(ApiError::Validation)?;
    let store = ctx.store.as_ref();
    let page = match &q {
        Some(q) => {
            let pk = customers::search_partition(tenant, q).unwrap_or_default();
            let cursor = cursor_param(request, &pk, Index::Primary)?;
            let mut page = customers::search(store, tenant, q, limit, cursor).await?;
            page.customers.retain(|c| filter.matches(c));
            page
        }
        None => {
            let sort = sort.unwrap_or(SortKey::Created);
            let cursor = cursor_param(request, &sort.partition(tenant), sort.index())?;
            customers::list(store, tenant, sort, descending, &filter, limit, cursor).await?
        }
    };
    let rows: Vec<CustomerRow> = page.customers.iter().map(row).collect();
    json(
        StatusCode::OK,
        &CustomerPage {
            customers: rows,
            next_cursor: page.next.map(|c| c.encode()),
        },
    )
}
