//! The local API Gateway: mounts every route of the route table, verifies bearer tokens as
//! the JWT authorizer would, turns each request into an API Gateway v2 event and hands it to
//! the same handler the Lambda function runs.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::{to_bytes, Body as AxumBody};
use axum::extract::{ConnectInfo, Request as AxumRequest, State};
use axum::response::{IntoResponse, Response as AxumResponse};
use axum::routing::{MethodFilter, MethodRouter};
use axum::Router;
use base64::Engine;
use crm_functions::Ctx;
use crm_shared::http::auth::Claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::routes::{Access, Route, ROUTES};
use crm_shared::http::token;
use http::HeaderMap;
use lambda_http::Body;
use percent_encoding::percent_decode_str;
use serde_json::{json, Map, Value};

/// Bodies larger than this are refused before reaching a handler (handlers refuse above
/// 16 KB themselves, with the API's own 413).
const MAX_GATEWAY_BODY: usize = 1024 * 1024;

#[derive(Clone)]
struct Gateway {
    ctx: Ctx,
    secret: Arc<Vec<u8>>,
}

/// The router: every route of `ROUTES`, then a problem+json 404.
pub fn router(ctx: Ctx, secret: Arc<Vec<u8>>) -> Router {
    let mut by_path: BTreeMap<&'static str, MethodRouter<Gateway>> = BTreeMap::new();
    for route in ROUTES {
        let Some(filter) = method_filter(route.method) else {
            continue;
        };
        let handler = move |State(gw): State<Gateway>,
                            ConnectInfo(peer): ConnectInfo<SocketAddr>,
                            request: AxumRequest| async move {
            invoke(route, gw, peer, request).await
        };
        let entry = by_path.remove(route.path).unwrap_or_default();
        by_path.insert(route.path, entry.on(filter, handler));
    }
    let mut router = Router::new();
    for (path, methods) in by_path {
        router = router.route(path, methods);
    }
    // API Gateway answers an unknown route, or a known path with another method, with 404.
    router
        .fallback(|| async { convert(ApiError::NotFound("route").into_response()) })
        .method_not_allowed_fallback(|| async {
            convert(ApiError::NotFound("route").into_response())
        })
        .with_state(Gateway { ctx, secret })
}

fn method_filter(method: &str) -> Option<MethodFilter> {
    Some(match method {
        "GET" => MethodFilter::GET,
        "POST" => MethodFilter::POST,
        "PATCH" => MethodFilter::PATCH,
        "PUT" => MethodFilter::PUT,
        "DELETE" => MethodFilter::DELETE,
        _ => return None,
    })
}

/// `{name}` segments of `template` matched against the request path, percent-decoded as
/// API Gateway passes them.
fn path_parameters(template: &str, path: &str) -> Map<String, Value> {
    template
        .split('/')
        .zip(path.split('/'))
        .filter_map(|(t, p)| {
            let name = t.strip_prefix('{')?.strip_suffix('}')?;
            let value = percent_decode_str(p).decode_utf8_lossy().into_owned();
            Some((name.to_owned(), Value::String(value)))
        })
        .collect()
}

fn bearer_claims(headers: &HeaderMap, secret: &[u8]) -> Option<Claims> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))?;
    token::verify(token.trim(), secret).ok()
}

async fn invoke(
    route: &'static Route,
    gw: Gateway,
    peer: SocketAddr,
    request: AxumRequest,
) -> AxumResponse {
    let (parts, body) = request.into_parts();
    let claims = match route.access {
        Access::Public => None,
        Access::Admin(_) => match bearer_claims(&parts.headers, &gw.secret) {
            Some(c) => Some(c),
            // API Gateway's JWT authorizer answers 401 without invoking the function.
            None => return convert(ApiError::Unauthorized.into_response()),
        },
    };
    let bytes = match to_bytes(body, MAX_GATEWAY_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return convert(
                ApiError::PayloadTooLarge {
                    limit: crm_shared::http::request::MAX_BODY,
                }
                .into_response(),
            )
        }
    };
    let path = parts.uri.path().to_owned();
    let event = api_gateway_event(
        route,
        &parts.method,
        &path,
        parts.uri.query(),
        &parts.headers,
        &bytes,
        peer,
        claims.as_ref(),
    );
    let request = match lambda_http::request::from_str(&event.to_string()) {
        Ok(r) => r,
        Err(e) => {
            return convert(
                ApiError::BadRequest(format!("unreadable request: {e}")).into_response(),
            )
        }
    };
    match crm_functions::dispatch(route.function, &gw.ctx, request).await {
        Some(response) => convert(response),
        None => convert(ApiError::NotFound("route").into_response()),
    }
}

/// The API Gateway HTTP API (payload 2.0) event for a request.
#[allow(clippy::too_many_arguments)]
pub fn api_gateway_event(
    route: &Route,
    method: &http::Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
    peer: SocketAddr,
    claims: Option<&Claims>,
) -> Value {
    let mut header_map = Map::new();
    let mut cookies = Vec::new();
    for (name, value) in headers {
        let Ok(text) = value.to_str() else { continue };
        if name == http::header::COOKIE {
            cookies.extend(text.split(';').map(|c| Value::String(c.trim().to_owned())));
            continue;
        }
        let key = name.as_str().to_ascii_lowercase();
        match header_map.get_mut(&key) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(text);
            }
            _ => {
                header_map.insert(key, Value::String(text.to_owned()));
            }
        }
    }
    let (body_text, is_base64) = match std::str::from_utf8(body) {
        Ok(text) => (text.to_owned(), false),
        Err(_) => (base64::engine::general_purpose::STANDARD.encode(body), true),
    };
    let now = chrono::Utc::now();
    let route_key = format!("{} {}", route.method, route.path);
    let mut context = json!({
        "accountId": "local",
        "apiId": "local",
        "domainName": "127.0.0.1",
        "domainPrefix": "local",
        "http": {
            "method": method.as_str(),
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": peer.ip().to_string(),
            "userAgent": headers.get(http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or(""),
        },
        "requestId": ulid::Ulid::new().to_string(),
        "routeKey": route_key,
        "stage": "$default",
        "time": now.format("%d/%b/%Y:%H:%M:%S %z").to_string(),
        "timeEpoch": now.timestamp_millis(),
    });
    if let Some(c) = claims {
        context["authorizer"] = json!({
            "jwt": {
                "claims": {"tenant_id": c.tenant_id, "role": c.role.as_str(), "sub": c.sub},
                "scopes": null
            }
        });
    }
    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query.unwrap_or(""),
        "headers": header_map,
        "pathParameters": path_parameters(route.path, path),
        "requestContext": context,
        "isBase64Encoded": is_base64,
    });
    if !cookies.is_empty() {
        event["cookies"] = Value::Array(cookies);
    }
    if !body.is_empty() {
        event["body"] = Value::String(body_text);
    }
    event
}

/// A handler's response as axum's.
fn convert(response: lambda_http::Response<Body>) -> AxumResponse {
    let (parts, body) = response.into_parts();
    let body = match body {
        Body::Empty => AxumBody::empty(),
        Body::Text(t) => AxumBody::from(t),
        Body::Binary(b) => AxumBody::from(b),
        _ => AxumBody::empty(),
    };
    let mut out = (parts.status, body).into_response();
    *out.headers_mut() = parts.headers;
    out
}
