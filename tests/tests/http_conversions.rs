//! The Meta Conversions API pipeline through crm-local, end to end: a lead captured over HTTP
//! for a tenant with a pixel goes over the local bus to the conversions queue, and the
//! server's consumer posts a `Lead` event with the lead id as event id to a stub Graph API.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::Path;
use axum::routing::post;
use axum::{Json, Router};
use common::{TempDir, SECRET};
use crm_local::LocalConfig;
use crm_shared::adapters::meta_capi::MetaCapi;
use crm_shared::domain::tenant::{MetaSettings, TenantSettings};
use crm_shared::ports::clock::SystemClock;
use serde_json::{json, Value};

/// Requests the stub received: (pixel id, body).
type Seen = Arc<Mutex<Vec<(String, Value)>>>;

async fn graph_stub() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let record = seen.clone();
    let app = Router::new().route(
        "/{version}/{pixel}/events",
        post(
            move |Path((_, pixel)): Path<(String, String)>, Json(body): Json<Value>| {
                let record = record.clone();
                async move {
                    let n = body["data"].as_array().map_or(0, Vec::len);
                    record.lock().expect("lock").push((pixel, body));
                    Json(json!({"events_received": n}))
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

#[tokio::test]
async fn a_captured_lead_reaches_the_graph_api_as_a_lead_event() {
    let (graph_url, seen) = graph_stub().await;
    let dir = TempDir::new();
    let config = LocalConfig {
        port: 0,
        data_dir: dir.path().to_path_buf(),
        seed: false,
        jwt_secret: Some(SECRET.into()),
        // The test drains the queues itself.
        dev_sign_in: false,
        oidc: None,
        poll_queues: false,
        public_url: None,
        sms_provider_token: None,
    };
    let capi = MetaCapi::new(&graph_url).expect("client");
    let server = crm_local::start_with_capi(config, Arc::new(SystemClock), Some(Arc::new(capi)))
        .await
        .expect("server");
    let mut settings =
        TenantSettings::new("pixelspa", "Pixel Spa", "IE", "https://book.example.com");
    settings.meta = Some(MetaSettings {
        pixel_id: "555000111".into(),
        access_token: "EAAB-e2e".into(),
        test_event_code: None,
    });
    crm_shared::store::tenants::create(server.ctx.store.as_ref(), &settings)
        .await
        .expect("tenant");

    let answer = reqwest::Client::new()
        .post(format!("{}/public/pixelspa/leads", server.url()))
        .header("user-agent", "Mozilla/5.0 (e2e)")
        .json(
            &json!({"name": "Ann Murphy", "phone": "087 123 4567", "email": "ann@example.com",
            "fbclid": "IwAR-e2e", "page_url": "https://pixelspa.example.com/book"}),
        )
        .send()
        .await
        .expect("capture");
    assert_eq!(answer.status(), 201);
    let body: Value = answer.json().await.expect("json");
    let lead_id = body["lead_id"].as_str().expect("lead id").to_owned();

    // The bus hands the event to the queue on a task of its own; drain until it has gone.
    for _ in 0..100 {
        crm_local::workers::drain(&server.ctx).await.expect("drain");
        if !seen.lock().expect("lock").is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 1, "one request: {seen:?}");
    let (pixel, request) = &seen[0];
    assert_eq!(pixel, "555000111");
    assert_eq!(request["access_token"], "EAAB-e2e");
    let event = &request["data"][0];
    assert_eq!(event["event_name"], "Lead");
    assert_eq!(event["event_id"], lead_id.as_str());
    assert_eq!(event["action_source"], "website");
    assert_eq!(
        event["event_source_url"],
        "https://pixelspa.example.com/book"
    );
    assert_eq!(event["user_data"]["client_user_agent"], "Mozilla/5.0 (e2e)");
    assert!(event["user_data"]["fbc"]
        .as_str()
        .is_some_and(|f| f.ends_with(".IwAR-e2e")));
    // printf %s 'ann@example.com' | sha256sum
    assert_eq!(
        event["user_data"]["em"],
        "71d4f55f72fa128dfb468a1a3901507c804b74316488744d769d7f4b16696476"
    );
    server.shutdown().await.expect("shutdown");
}
