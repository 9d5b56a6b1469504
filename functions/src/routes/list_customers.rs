//! `GET /customers`: customers sorted by any KPI (each order is its own index), filtered, in
//! cursor pages; or, with `q`, found by the start of a name word, an email or phone digits.

use crm_shared::domain::customer::{JourneyStage, Segment};
use crm_shared::domain::source::Source;
use crm_shared::domain::validation::Fields;
use crm_shared::http::auth::{authorize, Role};
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{
    cursor_param, json, page_limit, query_param, reject_unknown_params, respond,
};
use crm_shared::ports::store::Index;
use crm_shared::store::customers::{self, Customer, ListFilter, SortKey};
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::context::Ctx;

pub const PARAMS: &[&str] = &[
    "q", "sort", "order", "segment", "tag", "stage", "at_risk", "source", "limit", "cursor",
];

pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(list(ctx, &request).await)
}

/// A snake_case enum value from the query string.
fn choice<T: DeserializeOwned>(
    f: &mut Fields,
    request: &Request,
    name: &str,
    what: &str,
) -> Option<T> {
    let text = query_param(request, name)?;
    match serde_json::from_value(Value::String(text)) {
        Ok(v) => Some(v),
        Err(_) => {
            f.error(name, format!("is not a {what}"));
            None
        }
    }
}

/// The list's filters (`segment`, `tag`, `stage`, `at_risk`, `source`), each error named.
pub fn read_filter(f: &mut Fields, request: &Request) -> ListFilter {
    ListFilter {
        segment: choice::<Segment>(
            f,
            request,
            "segment",
            "segment (lead, active, inactive, vip)",
        ),
        tag: query_param(request, "tag").map(|t| t.trim().to_lowercase()),
        stage: choice::<JourneyStage>(f, request, "stage", "journey stage"),
        at_risk: query_param(request, "at_risk").and_then(|v| match v.as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => {
                f.error("at_risk", "must be true or false");
                None
            }
        }),
        source: query_param(request, "source").and_then(|s| {
            let parsed = Source::parse(&s);
            if parsed.is_none() {
                f.error("source", "is not a known source");
            }
            parsed
        }),
    }
}

/// `sort` and `order`: the sort key if one was asked for, and whether it runs high to low
/// (the default, except by name).
pub fn read_sort(f: &mut Fields, request: &Request) -> (Option<SortKey>, bool) {
    let sort = query_param(request, "sort").and_then(|s| {
        let parsed = SortKey::parse(&s);
        if parsed.is_none() {
            f.error(
                "sort",
                "must be one of ltv, visits, last_visit, points, no_shows, name, created",
            );
        }
        parsed
    });
    let descending = match query_param(request, "order").as_deref() {
        None => sort != Some(SortKey::Name),
        Some("desc") => true,
        Some("asc") => false,
        Some(_) => {
            f.error("order", "must be asc or desc");
            true
        }
    };
    (sort, descending)
}

/// One row of the list: who, how to reach them, and the numbers it sorts by.
fn row(c: &Customer) -> Value {
    json!({
        "id": c.id,
        "name": c.name,
        "phone": c.phones.first(),
        "email": c.emails.first(),
        "segment": c.segment,
        "tier": c.tier,
        "stage": c.stage,
        "at_risk": c.at_risk,
        "tags": c.tags,
        "auto_tags": c.auto_tags,
        "source": c.source,
        "lifetime_value": c.totals.lifetime_value,
        "visits": c.totals.visits,
        "last_visit": c.last_visit,
        "points": c.points,
        "no_shows": c.totals.no_shows,
        "created_at": c.created_at,
        "version": c.version,
    })
}

async fn list(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = authorize(request, Role::Staff)?;
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
    let rows: Vec<Value> = page.customers.iter().map(row).collect();
    json(
        StatusCode::OK,
        &json!({"customers": rows, "next_cursor": page.next.map(|c| c.encode())}),
    )
}
