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
use lambda_http::aws_lambda_events::apigw::{
    ApiGatewayRequestAuthorizer, ApiGatewayRequestAuthorizerJwtDescription,
    ApiGatewayV2httpRequest, ApiGatewayV2httpRequestContext,
    ApiGatewayV2httpRequestContextHttpDescription,
};
use lambda_http::request::LambdaRequest;
use lambda_http::Body;
use percent_encoding::percent_decode_str;
use std::collections::HashMap;

/// API Gateway's own payload limit (10 MB): larger bodies are refused before any handler.
/// Anything up to it is read whole and handed over, so handlers answer their own 413 above
/// 16 KB on a connection the client can still read the answer from (refusing mid-body would
/// reset it under the client's feet).
const MAX_GATEWAY_BODY: usize = 10 * 1024 * 1024;

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
fn path_parameters(template: &str, path: &str) -> HashMap<String, String> {
    template
        .split('/')
        .zip(path.split('/'))
        .filter_map(|(t, p)| {
            let name = t.strip_prefix('{')?.strip_suffix('}')?;
            let value = percent_decode_str(p).decode_utf8_lossy().into_owned();
            Some((name.to_owned(), value))
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
        // A person route takes the same tokens here; they name no email, so the dispatcher
        // refuses them with the reason (the first-run setup founds a business on one machine).
        Access::Admin(_) | Access::Person => match bearer_claims(&parts.headers, &gw.secret) {
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
    // The request goes to the handler as API Gateway would hand it over, built directly
    // (no JSON round trip: the same types lambda_http deserializes in Lambda).
    let api_request = api_gateway_request(
        route,
        &parts.method,
        &path,
        parts.uri.query(),
        &parts.headers,
        &bytes,
        peer,
        claims.as_ref(),
    );
    let request: lambda_http::Request = LambdaRequest::ApiGatewayV2(api_request).into();
    match crm_functions::dispatch(route.function, &gw.ctx, request).await {
        Some(response) => convert(response),
        None => convert(ApiError::NotFound("route").into_response()),
    }
}

/// The API Gateway HTTP API (payload 2.0) request for an HTTP request: what API Gateway
/// hands the function, the authorizer's claims included. Serialized, it is the JSON event
/// (the benchmark's Lambda stub sends it so).
#[allow(clippy::too_many_arguments)]
pub fn api_gateway_request(
    route: &Route,
    method: &http::Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
    peer: SocketAddr,
    claims: Option<&Claims>,
) -> ApiGatewayV2httpRequest {
    let mut cookies = Vec::new();
    let mut forwarded = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        if name == http::header::COOKIE {
            if let Ok(text) = value.to_str() {
                cookies.extend(text.split(';').map(|c| c.trim().to_owned()));
            }
        } else {
            forwarded.append(name.clone(), value.clone());
        }
    }
    // The local server speaks plain HTTP: without this, lambda_http would rebuild the
    // request's URL as https (what API Gateway terminates), and a signature over the URL as
    // called (Twilio's) would not match.
    if !forwarded.contains_key("x-forwarded-proto") {
        forwarded.insert("x-forwarded-proto", http::HeaderValue::from_static("http"));
    }
    let now = chrono::Utc::now();
    let route_key = format!("{} {}", route.method, route.path);
    let mut http_description = ApiGatewayV2httpRequestContextHttpDescription::default();
    http_description.method = method.clone();
    http_description.path = Some(path.to_owned());
    http_description.protocol = Some("HTTP/1.1".into());
    http_description.source_ip = Some(peer.ip().to_string());
    http_description.user_agent = headers
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut context = ApiGatewayV2httpRequestContext::default();
    context.route_key = Some(route_key.clone());
    context.account_id = Some("local".into());
    context.stage = Some("$default".into());
    context.request_id = Some(ulid::Ulid::new().to_string());
    context.apiid = Some("local".into());
    context.domain_name = Some("127.0.0.1".into());
    context.domain_prefix = Some("local".into());
    context.time = Some(now.format("%d/%b/%Y:%H:%M:%S %z").to_string());
    context.time_epoch = now.timestamp_millis();
    context.http = http_description;
    if let Some(c) = claims {
        let mut jwt = ApiGatewayRequestAuthorizerJwtDescription::default();
        jwt.claims = HashMap::from([
            ("tenant_id".to_owned(), c.tenant_id.clone()),
            ("role".to_owned(), c.role.as_str().to_owned()),
            ("sub".to_owned(), c.sub.clone()),
        ]);
        if let Some(m) = &c.membership {
            jwt.claims.insert("mid".to_owned(), m.id.clone());
            jwt.claims.insert("mv".to_owned(), m.version.to_string());
        }
        let mut authorizer = ApiGatewayRequestAuthorizer::default();
        authorizer.jwt = Some(jwt);
        context.authorizer = Some(authorizer);
    }
    let (body, is_base64) = match std::str::from_utf8(body) {
        _ if body.is_empty() => (None, false),
        Ok(text) => (Some(text.to_owned()), false),
        Err(_) => (
            Some(base64::engine::general_purpose::STANDARD.encode(body)),
            true,
        ),
    };
    let mut request = ApiGatewayV2httpRequest::default();
    request.version = Some("2.0".into());
    request.route_key = Some(route_key);
    request.raw_path = Some(path.to_owned());
    request.raw_query_string = Some(query.unwrap_or("").to_owned());
    request.cookies = (!cookies.is_empty()).then_some(cookies);
    request.headers = forwarded;
    request.path_parameters = path_parameters(route.path, path);
    request.request_context = context;
    request.body = body;
    request.is_base64_encoded = is_base64;
    request
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
