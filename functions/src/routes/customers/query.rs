//! The customer list's query (`GET /customers` and its CSV export): the filters and the sort
//! order, each bad value named.

use crm_shared::domain::customer::{JourneyStage, Segment};
use crm_shared::domain::source::Source;
use crm_shared::domain::validation::Fields;
use crm_shared::http::request::query_param;
use crm_shared::store::customers::{ListFilter, SortKey};
use lambda_http::Request;
use serde::de::DeserializeOwned;
use serde_json::Value;
use utoipa::openapi::path::Parameter;

use crate::routes::schema::{one_of, query, schema_ref, text};

/// The sort and filter parameters of the list and its export, described (`sort_note` says
/// the sort's default).
pub fn params(sort_note: &str) -> Vec<Parameter> {
    vec![
        query(
            "sort",
            one_of(&[
                "ltv",
                "visits",
                "last_visit",
                "points",
                "no_shows",
                "name",
                "created",
            ]),
            sort_note,
        ),
        query(
            "order",
            one_of(&["asc", "desc"]),
            "Direction; default desc (asc for name)",
        ),
        query("segment", schema_ref::<Segment>(), "Only this segment"),
        query(
            "tag",
            text(40),
            "Only customers with this manual or automatic tag",
        ),
        query(
            "stage",
            schema_ref::<JourneyStage>(),
            "Only this journey stage",
        ),
        query(
            "at_risk",
            one_of(&["true", "false"]),
            "Only customers at risk (or not)",
        ),
        query(
            "source",
            schema_ref::<Source>(),
            "Only this first-touch source",
        ),
    ]
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
