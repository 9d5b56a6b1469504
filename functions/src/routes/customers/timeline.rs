//! `GET /customers/{id}/timeline`: everything that happened to a customer, newest first,
//! filtered by type and text, grouped by date with counts per type, in cursor pages; or,
//! with `format=csv`, all of it as CSV.

use std::collections::BTreeMap;

use crm_shared::domain::timeline::TimelineEntry;
use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{
    cursor_param, json, page_limit, path_param, query_param, reject_unknown_params, respond,
};
use crm_shared::http::spreadsheet::{cell, csv_text};
use crm_shared::ports::store::Index;
use crm_shared::store::customers;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use utoipa::openapi::path::{Parameter, ParameterIn};
use utoipa::{IntoParams, ToSchema};

use crate::context::Ctx;
use crate::routes::schema::CustomerId;
use crate::routes::schema::{one_of, paging, query, string, text};

pub const PARAMS: &[&str] = &["type", "q", "limit", "cursor", "format"];

/// The entry types a timeline holds.
pub const TYPES: &[&str] = &[
    "lead",
    "status",
    "booking",
    "milestone",
    "segment",
    "stage",
    "note",
    "tag",
    "profile",
    "created",
    "message",
    // Calls (issue 5 item 4).
    "call",
    // Imports and merges (issue 19).
    "import",
    "merge",
    // Loyalty (issue 20 item 5).
    "tier",
    "points",
];

/// A page of a customer's timeline, newest first, and the same entries by date.
#[derive(Serialize, ToSchema)]
pub struct Timeline {
    pub entries: Vec<TimelineEntry>,
    pub days: Vec<TimelineDay>,
    #[schema(required)]
    pub next_cursor: Option<String>,
}

/// One date's entries with their count per type.
#[derive(Serialize, ToSchema)]
pub struct TimelineDay {
    /// `yyyy-mm-dd` (UTC).
    pub date: String,
    pub counts: BTreeMap<String, u64>,
    pub entries: Vec<TimelineEntry>,
}

/// [`PARAMS`], described.
pub struct TimelineParams;

impl IntoParams for TimelineParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let [limit, cursor] = paging(200, 50, "next_cursor");
        vec![
            query(
                "type",
                string(),
                &format!("Comma-separated types: {}", TYPES.join(", ")),
            ),
            query("q", text(100), "Only entries whose text contains this"),
            query(
                "format",
                one_of(&["json", "csv"]),
                "csv: every entry as CSV",
            ),
            limit,
            cursor,
        ]
    }
}

#[utoipa::path(
    get,
    path = "/customers/{id}/timeline",
    operation_id = "customer_timeline",
    params(CustomerId, TimelineParams),
    responses(
        (status = 200, description = "A page of the timeline, grouped by date (or CSV)", content((Timeline = "application/json"), (String = "text/csv"))),
        (status = 404, description = "No such customer in your tenant"),
        (status = 422, description = "Invalid parameter, each named"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(timeline(ctx, &request).await)
}

fn read_types(request: &Request) -> Result<Vec<String>, ApiError> {
    let Some(text) = query_param(request, "type") else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for t in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        if !TYPES.contains(&t) {
            return Err(ApiError::field(
                "type",
                format!("`{t}` is not one of {}", TYPES.join(", ")),
            ));
        }
        out.push(t.to_owned());
    }
    Ok(out)
}

/// Entries grouped by their UTC date, newest first, with counts per type.
fn by_day(entries: &[TimelineEntry]) -> Vec<TimelineDay> {
    let mut days: Vec<(String, BTreeMap<String, u64>, Vec<&TimelineEntry>)> = Vec::new();
    for e in entries {
        let date = e.at.format("%Y-%m-%d").to_string();
        if days.last().map(|d| &d.0) != Some(&date) {
            days.push((date, BTreeMap::new(), Vec::new()));
        }
        if let Some(day) = days.last_mut() {
            *day.1.entry(e.kind.clone()).or_default() += 1;
            day.2.push(e);
        }
    }
    days.into_iter()
        .map(|(date, counts, entries)| TimelineDay {
            date,
            counts,
            entries: entries.into_iter().cloned().collect(),
        })
        .collect()
}

fn csv_of(entries: &[TimelineEntry]) -> Result<String, ApiError> {
    let records = entries.iter().map(|e| {
        [
            e.at.to_rfc3339(),
            e.kind.clone(),
            cell(&e.text).into_owned(),
            e.id.clone(),
        ]
    });
    csv_text(&["at", "type", "text", "id"], records).map_err(|e| ApiError::Internal(e.to_string()))
}

async fn timeline(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let tenant = &claims.tenant_id;
    let id = path_param(request, "id")?;
    reject_unknown_params(request, PARAMS)?;
    let types = read_types(request)?;
    let q = query_param(request, "q").filter(|q| !q.trim().is_empty());
    let csv = match query_param(request, "format").as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => return Err(ApiError::field("format", "must be json or csv")),
    };
    let store = ctx.store.as_ref();
    customers::get(store, tenant, &id)
        .await?
        .ok_or(ApiError::NotFound("customer"))?;
    if csv {
        let mut all = Vec::new();
        let mut cursor = None;
        loop {
            let (entries, next) =
                customers::timeline_page(store, tenant, &id, &types, q.as_deref(), 500, cursor)
                    .await?;
            all.extend(entries);
            match next {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        let body = csv_of(&all)?;
        return Response::builder()
            .status(StatusCode::OK)
            .header(http::header::CONTENT_TYPE, "text/csv; charset=utf-8")
            .header(
                http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"timeline-{id}.csv\""),
            )
            .body(Body::Text(body))
            .map_err(|e| ApiError::Internal(e.to_string()));
    }
    let limit = page_limit(request, 50, 200)?;
    let cursor = cursor_param(
        request,
        &crm_shared::store::keys::customer_pk(tenant, &id),
        Index::Primary,
    )?;
    let (entries, next) =
        customers::timeline_page(store, tenant, &id, &types, q.as_deref(), limit, cursor).await?;
    json(
        StatusCode::OK,
        &Timeline {
            days: by_day(&entries),
            entries,
            next_cursor: next.map(|c| c.encode()),
        },
    )
}
