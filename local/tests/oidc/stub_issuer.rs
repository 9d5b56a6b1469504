//! An identity provider on 127.0.0.1 serving a discovery document and a JWKS, counting how
//! often each is fetched. Tests change what it publishes (key rotation), what issuer its
//! document names, and whether its JWKS answers at all.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

pub struct StubIssuer {
    pub url: String,
    state: Arc<Published>,
    task: tokio::task::JoinHandle<()>,
}

struct Published {
    url: String,
    keys: Mutex<Vec<Value>>,
    /// The `issuer` the discovery document names (the stub's own URL unless a test lies).
    named_issuer: Mutex<Option<String>>,
    /// 200, or the error the JWKS answers with.
    jwks_status: AtomicU16,
    discovery_fetches: AtomicUsize,
    jwks_fetches: AtomicUsize,
}

impl StubIssuer {
    pub async fn start(keys: Vec<Value>) -> Self {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap_or_else(|e| panic!("bind: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("addr: {e}"));
        let url = format!("http://{addr}");
        let state = Arc::new(Published {
            url: url.clone(),
            keys: Mutex::new(keys),
            named_issuer: Mutex::new(None),
            jwks_status: AtomicU16::new(200),
            discovery_fetches: AtomicUsize::new(0),
            jwks_fetches: AtomicUsize::new(0),
        });
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/keys", get(jwks))
            .with_state(state.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, state, task }
    }

    /// Replaces the published keys (a rotation).
    pub fn publish(&self, keys: Vec<Value>) {
        if let Ok(mut k) = self.state.keys.lock() {
            *k = keys;
        }
    }

    pub fn name_issuer(&self, issuer: &str) {
        if let Ok(mut n) = self.state.named_issuer.lock() {
            *n = Some(issuer.to_owned());
        }
    }

    /// The JWKS answers `status` from now on (200 to recover).
    pub fn answer_jwks_with(&self, status: StatusCode) {
        self.state
            .jwks_status
            .store(status.as_u16(), Ordering::SeqCst);
    }

    pub fn discovery_fetches(&self) -> usize {
        self.state.discovery_fetches.load(Ordering::SeqCst)
    }

    pub fn jwks_fetches(&self) -> usize {
        self.state.jwks_fetches.load(Ordering::SeqCst)
    }
}

impl Drop for StubIssuer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn discovery(State(s): State<Arc<Published>>) -> Json<Value> {
    s.discovery_fetches.fetch_add(1, Ordering::SeqCst);
    let issuer = s
        .named_issuer
        .lock()
        .ok()
        .and_then(|n| n.clone())
        .unwrap_or_else(|| s.url.clone());
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{}/authorize", s.url),
        "token_endpoint": format!("{}/token", s.url),
        "jwks_uri": format!("{}/keys", s.url),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
    }))
}

async fn jwks(State(s): State<Arc<Published>>) -> Response {
    s.jwks_fetches.fetch_add(1, Ordering::SeqCst);
    let status = StatusCode::from_u16(s.jwks_status.load(Ordering::SeqCst))
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status != StatusCode::OK {
        return status.into_response();
    }
    let keys = s.keys.lock().map(|k| k.clone()).unwrap_or_default();
    Json(json!({ "keys": keys })).into_response()
}
