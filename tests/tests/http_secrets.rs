//! Secrets out of plain text (issue 17 point 3), through real sockets into crm-local: the
//! webhook secret and the Meta token an owner sets are stored sealed (no item in the whole
//! store holds either), never read back, and still verify the tenant's hooks; the vault's key
//! file is the owner's only; secrets an earlier version stored in plain text are sealed when
//! the server starts.

mod common;

use common::*;
use crm_shared::domain::secret::{Purpose, Secret};
use crm_shared::http::signature;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const HOOK_SECRET: &str = "rotated-hook-secret-7f2c91d0a4";
const META_TOKEN: &str = "EAAB-meta-token-5e8d0c3b7a";

/// Every stored item (key and attributes) as text.
async fn every_item(app: &App) -> Vec<String> {
    let mut out = Vec::new();
    for key in app.server.store.all_keys().await.expect("keys") {
        let item = crm_shared::ports::store::Store::get(&app.server.store, &key)
            .await
            .expect("get")
            .unwrap_or_default();
        out.push(format!("{} | {} | {}", key.pk, key.sk, Value::Object(item)));
    }
    out
}

/// A booking hook for the demo tenant signed with `secret`.
async fn booking_hook(app: &App, secret: &str, id: &str) -> Resp {
    let body = json!({"type": "BookingCreated", "booking_id": id, "version": 1,
        "start": "2026-12-20T10:00:00Z", "service": "Facial", "amount": 6500,
        "customer": {"name": "Nuala Byrne", "phone": "+353871110222"}})
    .to_string();
    let signed = signature::sign(secret.as_bytes(), app.now().timestamp(), body.as_bytes());
    send(
        app.req(Method::POST, "/hooks/demo/bookings")
            .header("content-type", "application/json")
            .header(signature::HEADER, signed)
            .body(body),
    )
    .await
}

#[tokio::test]
async fn secrets_set_through_the_api_are_stored_sealed_and_still_verify_hooks() {
    let app = App::start(true).await;
    let r = app
        .call(
            Method::PATCH,
            "/settings",
            Some(&owner(DEMO)),
            Some(&json!({"webhook_secret": HOOK_SECRET,
                "meta": {"pixel_id": "1234567890", "access_token": META_TOKEN}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(!r.text.contains(HOOK_SECRET) && !r.text.contains(META_TOKEN));
    assert_eq!(r.body["webhook_secret_set"], json!(true));

    let items = every_item(&app).await;
    let holding: Vec<&String> = items
        .iter()
        .filter(|i| {
            i.contains(HOOK_SECRET)
                || i.contains(META_TOKEN)
                || i.contains(crm_local::seed::DEMO_WEBHOOK_SECRET)
        })
        .collect();
    assert!(holding.is_empty(), "items in plain text: {holding:?}");
    let settings = crm_shared::store::tenants::get(app.server.ctx.store.as_ref(), DEMO)
        .await
        .expect("get")
        .expect("tenant");
    let hook = settings.webhook_secret.expect("a webhook secret");
    assert!(hook.is_sealed(), "{hook:?}");

    // The hook verifies with the new secret, and no longer with the old one.
    let r = booking_hook(&app, HOOK_SECRET, "SEALED-1").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = booking_hook(&app, crm_local::seed::DEMO_WEBHOOK_SECRET, "SEALED-2").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);

    // The key is beside the database, readable by its owner only.
    let key = app
        .dir
        .path()
        .join(crm_shared::adapters::local_vault::KEY_FILE);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key)
            .expect("key file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let database = std::fs::read(app.dir.path().join("crm.sqlite3")).expect("db");
    let text = String::from_utf8_lossy(&database);
    assert!(!text.contains(HOOK_SECRET) && !text.contains(META_TOKEN));
}

#[tokio::test]
async fn secrets_an_earlier_version_stored_in_plain_text_are_sealed_at_start() {
    let app = App::start(true).await;
    let store = app.server.ctx.store.clone();
    let (mut settings, version) = crm_shared::store::tenants::versioned(store.as_ref(), DEMO)
        .await
        .expect("get")
        .expect("tenant");
    settings.webhook_secret = Some(Secret::plain(HOOK_SECRET));
    crm_shared::store::tenants::put(store.as_ref(), &settings, version)
        .await
        .expect("put");
    // Read as it is until then: the hook still verifies.
    let r = booking_hook(&app, HOOK_SECRET, "LEGACY-1").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    let dir = app.shutdown().await;
    let app = App::open(dir, false, None).await;
    let settings = crm_shared::store::tenants::get(app.server.ctx.store.as_ref(), DEMO)
        .await
        .expect("get")
        .expect("tenant");
    let hook = settings.webhook_secret.expect("a webhook secret");
    assert!(hook.is_sealed() && !hook.stored().contains(HOOK_SECRET));
    assert_eq!(
        app.server
            .ctx
            .vault
            .open(DEMO, Purpose::Webhook, &hook)
            .await
            .expect("open"),
        HOOK_SECRET
    );
    let r = booking_hook(&app, HOOK_SECRET, "LEGACY-2").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}
