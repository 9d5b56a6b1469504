//! `GET /exports/customers.csv` (owner, admin): the tenant's customers as CSV, with the
//! list's filters and sort orders, for a spreadsheet, a mailing tool or an accountant.
//! Money in major units of the business's currency, times in RFC 3339 UTC, tags joined with
//! `;`. At most `limit` (default and most 5,000) rows per response keeps a reply well under
//! Lambda's 6 MB; when more remain, `X-Next-Cursor` carries the cursor to ask for the rest
//! (the admin app follows it and saves one file). Text cells are spreadsheet-safe.

use crm_shared::domain::conversion::Money;
use crm_shared::domain::customer::Customer;
use crm_shared::domain::validation::Fields;
use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{cursor_param, page_limit, reject_unknown_params, respond};
use crm_shared::http::spreadsheet::{cell, csv_text};
use crm_shared::store::customers::{self, SortKey};
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;

use crate::context::Ctx;
use crate::routes::customers::query::{self, read_filter, read_sort};
use crate::routes::schema::paging;
use utoipa::openapi::path::{Parameter, ParameterIn};
use utoipa::IntoParams;

pub const PARAMS: &[&str] = &[
    "sort", "order", "segment", "tag", "stage", "at_risk", "source", "limit", "cursor",
];

/// Rows per response, and per index read behind it.
pub const MAX_ROWS: u32 = 5_000;
const READ_PAGE: u32 = 500;

/// The header the cursor for the next rows comes in.
pub const NEXT_CURSOR: &str = "x-next-cursor";

pub const COLUMNS: &[&str] = &[
    "id",
    "name",
    "phone",
    "email",
    "other_phones",
    "other_emails",
    "source",
    "segment",
    "tier",
    "stage",
    "at_risk",
    "tags",
    "auto_tags",
    "visits",
    "bookings",
    "no_shows",
    "cancellations",
    "lifetime_value",
    "currency",
    "points",
    "last_visit",
    "marketing_consent",
    "date_of_birth",
    "member_since",
    "created_at",
];

/// [`PARAMS`], described.
pub struct ExportParams;

impl IntoParams for ExportParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let mut params = query::params("Order; default created");
        let [mut limit, mut cursor] = paging(MAX_ROWS.into(), MAX_ROWS.into(), "");
        limit.description = Some("Rows in this response (default and most 5,000)".into());
        cursor.description = Some("X-Next-Cursor of the previous response".into());
        params.extend([limit, cursor]);
        params
    }
}

#[utoipa::path(
    get,
    path = "/exports/customers.csv",
    operation_id = "export_customers",
    params(ExportParams),
    responses(
        (status = 200, description = "Customers as CSV (header row first; money in major units; text cells spreadsheet-safe). X-Next-Cursor names the cursor for the rest when more remain", body = String, content_type = "text/csv", headers(("X-Next-Cursor" = String, description = "Ask again with cursor=this for the next rows"))),
        (status = 422, description = "Invalid parameter, each named"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(export(ctx, &request).await)
}

/// A snake_case enum value as the API spells it.
fn spelled<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn joined<'a>(items: impl IntoIterator<Item = &'a String>) -> String {
    items
        .into_iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(";")
}

fn record(c: &Customer, currency: &str) -> Vec<String> {
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default()
    };
    let money = Money {
        minor: c.totals.lifetime_value,
        currency: currency.to_owned(),
    };
    vec![
        c.id.clone(),
        cell(&c.name).into_owned(),
        c.phones.first().cloned().unwrap_or_default(),
        cell(c.emails.first().map(String::as_str).unwrap_or_default()).into_owned(),
        joined(c.phones.iter().skip(1)),
        cell(&joined(c.emails.iter().skip(1))).into_owned(),
        c.source.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        spelled(&c.segment),
        spelled(&c.tier),
        spelled(&c.stage),
        c.at_risk.to_string(),
        cell(&joined(&c.tags)).into_owned(),
        cell(&joined(&c.auto_tags)).into_owned(),
        c.totals.visits.to_string(),
        c.totals.bookings.to_string(),
        c.totals.no_shows.to_string(),
        c.totals.cancellations.to_string(),
        money.decimal(),
        currency.to_owned(),
        c.points.to_string(),
        time(c.last_visit),
        c.marketing_consent.to_string(),
        c.date_of_birth.map(|d| d.to_string()).unwrap_or_default(),
        time(Some(c.member_since)),
        time(Some(c.created_at)),
    ]
}

fn csv_of(rows: &[Customer], currency: &str) -> Result<String, ApiError> {
    csv_text(COLUMNS, rows.iter().map(|c| record(c, currency)))
        .map_err(|e| ApiError::Internal(e.to_string()))
}

async fn export(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let tenant = &claims.tenant_id;
    reject_unknown_params(request, PARAMS)?;
    let limit = page_limit(request, MAX_ROWS, MAX_ROWS)?;
    let mut f = Fields::default();
    let filter = read_filter(&mut f, request);
    let (sort, descending) = read_sort(&mut f, request);
    f.finish(()).map_err(ApiError::Validation)?;
    let sort = sort.unwrap_or(SortKey::Created);
    let mut cursor = cursor_param(request, &sort.partition(tenant), sort.index())?;
    let settings = ctx.tenant_settings(tenant).await?;
    let store = ctx.store.as_ref();
    let mut rows: Vec<Customer> = Vec::new();
    loop {
        let want = (limit - rows.len() as u32).min(READ_PAGE);
        let page = customers::list(store, tenant, sort, descending, &filter, want, cursor).await?;
        rows.extend(page.customers);
        cursor = page.next;
        if cursor.is_none() || rows.len() as u32 >= limit {
            break;
        }
    }
    let body = csv_of(&rows, &settings.currency)?;
    tracing::info!(tenant = %tenant, rows = rows.len(), more = cursor.is_some(), "customers exported");
    let mut response = Response::builder()
        .status(StatusCode::OK)
        .header(http::header::CONTENT_TYPE, "text/csv; charset=utf-8")
        .header(
            http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"customers-{tenant}.csv\""),
        );
    if let Some(next) = cursor {
        response = response.header(NEXT_CURSOR, next.encode());
    }
    response
        .body(Body::Text(body))
        .map_err(|e| ApiError::Internal(e.to_string()))
}
