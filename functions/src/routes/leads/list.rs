//! `GET /leads`: leads newest first, filtered, in cursor pages.

use chrono::{DateTime, NaiveDate, Utc};
use crm_shared::domain::lead::Lead;
use crm_shared::domain::lead::LeadStatus;
use crm_shared::domain::source::Source;
use crm_shared::domain::validation::Fields;
use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{
    cursor_param, json, page_limit, query_param, reject_unknown_params, respond,
};
use crm_shared::store::leads::{self, ListFilter};
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use utoipa::openapi::path::{Parameter, ParameterIn};
use utoipa::{IntoParams, ToSchema};

use crate::context::Ctx;
use crate::routes::schema::{one_of, paging, query, schema_ref, string, text};

pub const PARAMS: &[&str] = &[
    "status",
    "source",
    "assignee",
    "stale",
    "q",
    "created_from",
    "created_to",
    "limit",
    "cursor",
];

/// A page of leads, newest first.
#[derive(Serialize, ToSchema)]
pub struct LeadPage {
    pub items: Vec<Lead>,
    /// The cursor of the next page; null on the last.
    #[schema(required)]
    pub next_cursor: Option<String>,
}

/// [`PARAMS`], described.
pub struct ListParams;

impl IntoParams for ListParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let mut params = vec![
            query("status", schema_ref::<LeadStatus>(), "Only this status"),
            query(
                "source",
                schema_ref::<Source>(),
                "Only this first-touch source",
            ),
            query("assignee", string(), "Only leads assigned to this user"),
            query(
                "stale",
                one_of(&["true", "false"]),
                "Only stale (or fresh) leads",
            ),
            query("q", text(100), "Name, email or phone digits contain this"),
            query(
                "created_from",
                string(),
                "Created at or after (date or RFC 3339)",
            ),
            query(
                "created_to",
                string(),
                "Created at or before (date or RFC 3339)",
            ),
        ];
        params.extend(paging(100, 25, "next_cursor"));
        params
    }
}

#[utoipa::path(
    get,
    path = "/leads",
    operation_id = "list_leads",
    params(ListParams),
    responses(
        (status = 200, description = "A page of leads, newest first", body = LeadPage),
        (status = 422, description = "Invalid filter, each named"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(list(ctx, &request).await)
}

/// A date (`2026-11-01`, start of day) or date-time (RFC 3339).
fn instant(
    f: &mut Fields,
    request: &Request,
    name: &str,
    end_of_day: bool,
) -> Option<DateTime<Utc>> {
    let text = query_param(request, name)?;
    if let Ok(t) = DateTime::parse_from_rfc3339(&text) {
        return Some(t.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok();
    let time = day.and_then(|d| {
        if end_of_day {
            d.and_hms_milli_opt(23, 59, 59, 999)
        } else {
            d.and_hms_opt(0, 0, 0)
        }
    });
    match time {
        Some(t) => Some(t.and_utc()),
        None => {
            f.error(name, "must be a date (2026-11-01) or RFC 3339 date-time");
            None
        }
    }
}

/// Reads the list filters from the query string; every bad one is named.
pub fn read_filter(request: &Request) -> Result<ListFilter, ApiError> {
    let mut f = Fields::default();
    let status = query_param(request, "status").and_then(|s| {
        let parsed = LeadStatus::parse(&s);
        if parsed.is_none() {
            f.error("status", "is not a lead status");
        }
        parsed
    });
    let source = query_param(request, "source").and_then(|s| {
        let parsed = Source::parse(&s);
        if parsed.is_none() {
            f.error("source", "is not a known source");
        }
        parsed
    });
    let stale = query_param(request, "stale").and_then(|s| match s.as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => {
            f.error("stale", "must be true or false");
            None
        }
    });
    let q = query_param(request, "q");
    if q.as_ref().is_some_and(|q| q.chars().count() > 100) {
        f.error("q", "must be at most 100 characters");
    }
    let filter = ListFilter {
        status,
        source,
        assignee: query_param(request, "assignee"),
        stale,
        q,
        created_from: instant(&mut f, request, "created_from", false),
        created_to: instant(&mut f, request, "created_to", true),
    };
    if let (Some(a), Some(b)) = (filter.created_from, filter.created_to) {
        if a > b {
            f.error("created_to", "must not be before created_from");
        }
    }
    f.finish(filter).map_err(ApiError::Validation)
}

async fn list(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    reject_unknown_params(request, PARAMS)?;
    let filter = read_filter(request)?;
    let limit = page_limit(request, 25, 100)?;
    let (index, pk) = filter.partition(&claims.tenant_id);
    let cursor = cursor_param(request, &pk, index)?;
    let (items, next) = leads::list(
        ctx.store.as_ref(),
        &claims.tenant_id,
        &filter,
        limit,
        cursor,
    )
    .await?;
    json(
        StatusCode::OK,
        &LeadPage {
            items,
            next_cursor: next.map(|c| c.encode()),
        },
    )
}
