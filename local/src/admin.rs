//! What crm-local serves besides the API (none of it is in the route table, the OpenAPI
//! document or the template):
//! - `/admin/config.json`, the app's runtime configuration (the API on this origin, whether
//!   the dev sign-in is on, the identity provider from `CRM_OIDC_*`), which a cloud
//!   deployment writes beside the files instead;
//! - the admin SPA's built files at `/admin` (`web/admin/dist`, or `CRM_WEB_DIR`), with every
//!   unknown path under it answered by `index.html` so the SPA's own routes load directly;
//! - `POST /_local/token {tenant, role, sub?}` (only with `CRM_DEV_SIGNIN=true`, which
//!   `scripts/dev` sets): a dev sign-in that signs a bearer token with the local secret. Only crm-local has that secret; in the cloud the SPA signs in with the
//!   identity provider (OIDC) instead.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use crm_shared::domain::tenant::is_valid_tenant_id;
use crm_shared::http::auth::{Claims, Role};
use crm_shared::http::problem::ApiError;
use crm_shared::http::token;
use serde_json::{json, Value};

use crate::config::OidcClient;

/// `CRM_WEB_DIR`, or `web/admin/dist` under the working directory.
pub fn web_dir_from_env() -> PathBuf {
    std::env::var("CRM_WEB_DIR")
        .ok()
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("web/admin/dist"))
}

/// The admin app's Content-Security-Policy; infra/template.yaml's AdminSecurityHeaders sends
/// the same one from CloudFront (tests/python/test_web_hosting.py keeps them equal), so the
/// browser tests run the app under the policy it has in the cloud.
pub const ADMIN_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; connect-src 'self' https:; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// `ADMIN_CSP`, letting the app also reach a plain-http identity provider (one on loopback
/// during development and tests; the cloud's is https, which the policy already allows).
fn csp_for(oidc: Option<&OidcClient>) -> String {
    match oidc.map(|o| o.issuer.as_str()) {
        Some(issuer) if issuer.starts_with("http://") => {
            let origin = issuer.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
            ADMIN_CSP.replace(
                "connect-src 'self' https:",
                &format!("connect-src 'self' https: {origin}"),
            )
        }
        _ => ADMIN_CSP.to_owned(),
    }
}

#[derive(Clone)]
struct Local {
    web_dir: Arc<PathBuf>,
    secret: Arc<Vec<u8>>,
    app_config: Arc<String>,
    csp: HeaderValue,
}

/// Local dev sign-in tokens last a day.
const TOKEN_SECONDS: i64 = 24 * 3600;

/// The app's `config.json` (web/admin/src/config.ts reads it).
pub fn app_config(dev_sign_in: bool, oidc: Option<&OidcClient>) -> Value {
    json!({
        "apiUrl": "",
        "devSignIn": dev_sign_in,
        // Sign-in, setup and invites of crm-local's own accounts (`/auth/*`).
        "localAccounts": true,
        "oidc": oidc.map(|o| json!({
            "issuer": o.issuer,
            "clientId": o.client_id,
            "scope": o.scope,
            "name": o.name,
        })),
    })
}

/// The admin app's files and configuration, and the dev sign-in when `dev_sign_in`
/// (`CRM_DEV_SIGNIN`).
pub fn router(
    web_dir: PathBuf,
    secret: Arc<Vec<u8>>,
    dev_sign_in: bool,
    oidc: Option<OidcClient>,
) -> Router {
    let mut router = Router::new()
        .route("/admin/config.json", get(config_json))
        .route("/admin", get(index))
        .route("/admin/", get(index))
        .route("/admin/{*path}", get(file));
    if dev_sign_in {
        router = router.route("/_local/token", post(issue_token));
    }
    router.with_state(Local {
        web_dir: Arc::new(web_dir),
        secret,
        app_config: Arc::new(app_config(dev_sign_in, oidc.as_ref()).to_string()),
        csp: HeaderValue::from_str(&csp_for(oidc.as_ref()))
            .unwrap_or_else(|_| HeaderValue::from_static(ADMIN_CSP)),
    })
}

async fn config_json(State(local): State<Local>) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        local.app_config.as_str().to_owned(),
    )
        .into_response()
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The file under `root` that `path` names, if it is a plain relative path (no `..`, no root).
fn resolve(root: &Path, path: &str) -> Option<PathBuf> {
    let relative = Path::new(path);
    relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then(|| root.join(relative))
}

async fn serve(path: &Path, cache: &'static str) -> Option<Response> {
    let bytes = tokio::fs::read(path).await.ok()?;
    let mut response = (StatusCode::OK, Bytes::from(bytes)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(path)),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    Some(response)
}

async fn index(State(local): State<Local>) -> Response {
    match serve(&local.web_dir.join("index.html"), "no-cache").await {
        Some(mut r) => {
            r.headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, local.csp.clone());
            r
        }
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!(
                "The admin app is not built: no {}. Run `npm ci && npm run build` in web/admin \
                 (scripts/dev does it), or set CRM_WEB_DIR.\n",
                local.web_dir.join("index.html").display()
            ),
        )
            .into_response(),
    }
}

async fn file(State(local): State<Local>, UrlPath(path): UrlPath<String>) -> Response {
    if let Some(file) = resolve(&local.web_dir, &path) {
        // Vite names built assets by content hash: they never change under their name.
        let cache = if path.starts_with("assets/") {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        if let Some(mut r) = serve(&file, cache).await {
            r.headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, local.csp.clone());
            return r;
        }
        // A missing asset is a 404; any other path is one of the SPA's own routes.
        if path.starts_with("assets/") {
            return ApiError::NotFound("file").into_response_axum();
        }
    }
    index(State(local)).await
}

async fn issue_token(State(local): State<Local>, body: Bytes) -> Response {
    match token_for(&local.secret, &body) {
        Ok(t) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            json!({"token": t, "expires_in": TOKEN_SECONDS}).to_string(),
        )
            .into_response(),
        Err(e) => e.into_response_axum(),
    }
}

fn token_for(secret: &[u8], body: &[u8]) -> Result<String, ApiError> {
    let input: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::field("body", format!("is not valid JSON: {e}")))?;
    let tenant = input["tenant"].as_str().unwrap_or_default();
    let role = input["role"].as_str().unwrap_or("owner");
    let mut errors = Vec::new();
    if !is_valid_tenant_id(tenant) {
        errors.push(crm_shared::domain::validation::FieldError {
            field: "tenant".into(),
            reason: "must be a tenant id".into(),
        });
    }
    let parsed = Role::parse(role);
    if parsed.is_none() {
        errors.push(crm_shared::domain::validation::FieldError {
            field: "role".into(),
            reason: "must be owner, admin or staff".into(),
        });
    }
    let Some(role) = parsed.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let sub = input["sub"]
        .as_str()
        .filter(|s| !s.is_empty() && s.len() <= 100)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{}-user", role.as_str()));
    let claims = Claims {
        tenant_id: tenant.to_owned(),
        role,
        sub,
        membership: None,
    };
    token::issue(
        &claims,
        secret,
        chrono::Utc::now().timestamp(),
        TOKEN_SECONDS,
    )
    .map_err(|e| ApiError::Internal(e.to_string()))
}

/// A problem+json answer as axum's response.
trait ProblemResponse {
    fn into_response_axum(self) -> Response;
}

impl ProblemResponse for ApiError {
    fn into_response_axum(self) -> Response {
        let status = self.status();
        (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            self.body().to_string(),
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_resolve() {
        let root = Path::new("/srv/dist");
        assert_eq!(
            resolve(root, "assets/app.js"),
            Some(PathBuf::from("/srv/dist/assets/app.js"))
        );
        assert_eq!(resolve(root, "../secret"), None);
        assert_eq!(resolve(root, "assets/../../x"), None);
        assert_eq!(resolve(root, "/etc/passwd"), None);
    }

    #[test]
    fn a_token_needs_a_tenant_and_a_known_role() {
        let secret = b"s";
        let t = token_for(secret, br#"{"tenant":"demo","role":"staff"}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        let claims = token::verify(&t, secret).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(claims.tenant_id, "demo");
        assert_eq!(claims.role, Role::Staff);
        assert!(matches!(
            token_for(secret, br#"{"tenant":"Demo!","role":"boss"}"#),
            Err(ApiError::Validation(e)) if e.len() == 2
        ));
        assert!(token_for(secret, b"nope").is_err());
    }
}
