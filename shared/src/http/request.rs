//! Reading requests and writing responses, the same way in every handler.

use http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::http::problem::ApiError;
use crate::ports::store::{Cursor, Index};

/// Largest body any route accepts (DESIGN §3).
pub const MAX_BODY: usize = 16 * 1024;

/// How a body was sent: the answer to a form post differs (a 303 instead of JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    Json,
    Form,
}

pub fn body_bytes(request: &Request) -> &[u8] {
    match request.body() {
        Body::Empty => &[],
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => &[],
    }
}

fn content_type(request: &Request) -> String {
    request
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default()
}

/// Reads a JSON object body (or a form when `allow_form`), at most `MAX_BODY` bytes.
pub fn object_body(
    request: &Request,
    allow_form: bool,
) -> Result<(Map<String, Value>, BodyKind), ApiError> {
    let bytes = body_bytes(request);
    if bytes.len() > MAX_BODY {
        return Err(ApiError::PayloadTooLarge { limit: MAX_BODY });
    }
    let ct = content_type(request);
    let is_form = ct == "application/x-www-form-urlencoded";
    if is_form && allow_form {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes)
            .map_err(|e| ApiError::field("body", format!("is not a valid form: {e}")))?;
        let mut map = Map::new();
        for (k, v) in pairs {
            // A repeated field keeps its first value, as most form readers do.
            map.entry(k).or_insert(Value::String(v));
        }
        return Ok((map, BodyKind::Form));
    }
    if !(ct.is_empty() || ct == "application/json" || ct.ends_with("+json")) {
        return Err(ApiError::UnsupportedMediaType {
            expected: if allow_form {
                "application/json or application/x-www-form-urlencoded"
            } else {
                "application/json"
            },
        });
    }
    Ok((json_object(bytes)?, BodyKind::Json))
}

/// A JSON object body of at most `MAX_BODY` bytes (crm-local's own `/auth/*` routes read
/// theirs with it too).
pub fn json_object(bytes: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if bytes.len() > MAX_BODY {
        return Err(ApiError::PayloadTooLarge { limit: MAX_BODY });
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::field("body", "is required"));
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::field("body", "must be a JSON object")),
        Err(e) => Err(ApiError::field("body", format!("is not valid JSON: {e}"))),
    }
}

/// A path parameter the route guarantees.
/// The client's address as API Gateway saw it (crm-local sets it from the socket's peer).
pub fn source_ip(request: &Request) -> Option<String> {
    match request.request_context_ref() {
        Some(lambda_http::request::RequestContext::ApiGatewayV2(c)) => c.http.source_ip.clone(),
        _ => None,
    }
}

pub fn path_param(request: &Request, name: &str) -> Result<String, ApiError> {
    request
        .path_parameters_ref()
        .and_then(|p| p.first(name))
        .map(str::to_owned)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::BadRequest(format!("missing path parameter {name}")))
}

/// A query string parameter (first value), empty treated as absent.
pub fn query_param(request: &Request, name: &str) -> Option<String> {
    request
        .query_string_parameters_ref()
        .and_then(|q| q.first(name))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Refuses query parameters a route does not know, naming them.
pub fn reject_unknown_params(request: &Request, known: &[&str]) -> Result<(), ApiError> {
    let Some(q) = request.query_string_parameters_ref() else {
        return Ok(());
    };
    let mut unknown: Vec<String> = q
        .iter()
        .map(|(k, _)| k.to_owned())
        .filter(|k| !known.contains(&k.as_str()))
        .collect();
    unknown.sort();
    unknown.dedup();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(
            unknown
                .into_iter()
                .map(|k| crate::domain::validation::FieldError {
                    field: k,
                    reason: "is not a known query parameter".into(),
                })
                .collect(),
        ))
    }
}

/// `limit` in `1..=max`, `default` when absent.
pub fn page_limit(request: &Request, default: u32, max: u32) -> Result<u32, ApiError> {
    match query_param(request, "limit") {
        None => Ok(default),
        Some(text) => match text.parse::<u32>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(ApiError::field(
                "limit",
                format!("must be a whole number from 1 to {max}"),
            )),
        },
    }
}

/// The `cursor` parameter, checked to belong to the partition about to be queried.
pub fn cursor_param(request: &Request, pk: &str, index: Index) -> Result<Option<Cursor>, ApiError> {
    match query_param(request, "cursor") {
        None => Ok(None),
        Some(text) => Cursor::decode(&text)
            .filter(|c| c.belongs_to(pk, index))
            .map(Some)
            .ok_or_else(|| ApiError::field("cursor", "is not a cursor from this list")),
    }
}

/// The version in an `If-Match` header (`"3"`, `3` or `W/"3"`), if one was sent.
pub fn if_match_version(request: &Request) -> Result<Option<u64>, ApiError> {
    let Some(value) = request.headers().get(http::header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or("").trim();
    let text = text.strip_prefix("W/").unwrap_or(text).trim_matches('"');
    text.parse::<u64>()
        .map(Some)
        .map_err(|_| ApiError::field("If-Match", "must be the version you read, e.g. \"3\""))
}

/// A JSON response.
pub fn json<T: Serialize>(status: StatusCode, body: &T) -> Result<Response<Body>, ApiError> {
    let text = serde_json::to_string(body).map_err(|e| ApiError::Internal(e.to_string()))?;
    Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Body::Text(text))
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// A JSON response carrying the item's version as its ETag.
pub fn json_versioned<T: Serialize>(
    status: StatusCode,
    body: &T,
    version: u64,
) -> Result<Response<Body>, ApiError> {
    let mut response = json(status, body)?;
    if let Ok(v) = http::HeaderValue::from_str(&format!("\"{version}\"")) {
        response.headers_mut().insert(http::header::ETAG, v);
    }
    Ok(response)
}

/// A 303 See Other to `location` (the answer to a form post).
pub fn see_other(location: &str) -> Result<Response<Body>, ApiError> {
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(http::header::LOCATION, location)
        .body(Body::Empty)
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// Runs a handler body and maps its error once.
pub fn respond(result: Result<Response<Body>, ApiError>) -> Response<Body> {
    result.unwrap_or_else(ApiError::into_response)
}
