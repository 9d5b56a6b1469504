//! Booking facts over the signed webhook and the local bus, and the customer they make,
//! through real sockets of crm-local.

mod common;

use common::*;
use crm_shared::domain::tenant::TenantSettings;
use crm_shared::http::signature;
use crm_shared::ports::bus::{DomainEvent, EventBus};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const HOOK_SECRET: &str = "whsec-test-0123456789";

/// A tenant whose webhooks are signed with `HOOK_SECRET`.
async fn hook_tenant(app: &App, id: &str) {
    let mut settings = TenantSettings::new(id, &format!("Business {id}"), "IE", &redirect_of(id));
    settings.webhook_secret = Some(HOOK_SECRET.into());
    crm_shared::store::tenants::create(app.server.ctx.store.as_ref(), &settings)
        .await
        .unwrap_or_else(|e| panic!("create tenant {id}: {e}"));
}

/// Posts `body` to the tenant's booking webhook with `signature` as the header (if any).
async fn post_hook(app: &App, tenant: &str, body: &str, signature: Option<String>) -> Resp {
    let mut rb = app
        .req(Method::POST, &format!("/hooks/{tenant}/bookings"))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(s) = signature {
        rb = rb.header(signature::HEADER, s);
    }
    send(rb).await
}

/// Posts a fact signed now with the tenant's secret.
async fn hook(app: &App, tenant: &str, fact: &Value) -> Resp {
    let body = fact.to_string();
    let sig = signature::sign(
        HOOK_SECRET.as_bytes(),
        app.now().timestamp(),
        body.as_bytes(),
    );
    post_hook(app, tenant, &body, Some(sig)).await
}

fn fact(kind: &str, booking: &str, version: u64, phone: &str) -> Value {
    json!({
        "type": kind,
        "booking_id": booking,
        "version": version,
        "start": "2026-11-20T10:00:00Z",
        "service": "Deep tissue massage",
        "customer": {"name": "Ann Murphy", "phone": phone, "email": "ann@example.ie"}
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_signed_booking_creates_the_customer_once_and_converts_the_lead() {
    let app = App::start_fixed(false).await;
    hook_tenant(&app, "spa").await;
    let national = phone();
    let mut from_ad = capture_body("Ann Murphy", &national);
    from_ad["utm_source"] = json!("facebook");
    let lead_id = app.capture_ok("spa", &from_ad).await;

    let created = hook(&app, "spa", &fact("BookingCreated", "B-1", 1, &national)).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    assert_eq!(created.body["applied"], json!(true));
    assert_eq!(created.body["lead_id"], json!(lead_id));
    assert_eq!(created.body["lead_status"], json!("booked"));
    assert!(created.body["milestones"]
        .as_array()
        .is_some_and(|m| m.contains(&json!("first_booking"))));
    let customer_id = created.body["customer_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    let again = hook(&app, "spa", &fact("BookingCreated", "B-1", 1, &national)).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(
        again.body["applied"],
        json!(false),
        "a repeated fact changes nothing"
    );
    assert_eq!(again.body["customer_id"], json!(customer_id));

    let mut completed = fact("BookingCompleted", "B-1", 2, &national);
    completed["amount"] = json!(8500);
    completed["currency"] = json!("EUR");
    completed["paid"] = json!(true);
    let done = hook(&app, "spa", &completed).await;
    assert_eq!(done.body["lead_status"], json!("won"), "{}", done.text);

    let token = staff("spa");
    let detail = app.get(&format!("/customers/{customer_id}"), &token).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.text);
    assert_eq!(detail.body["kpis"]["visits"], json!(1));
    assert_eq!(detail.body["kpis"]["lifetime_value"], json!(8500));
    assert_eq!(
        detail.body["spending"]["most_booked_service"],
        json!("Deep tissue massage")
    );
    assert_eq!(
        detail.body["customer"]["source"],
        json!("meta_ad"),
        "first touch comes from the lead"
    );
    assert_eq!(detail.body["leads"][0]["id"], json!(lead_id));
    assert_eq!(detail.body["bookings"][0]["status"], json!("completed"));
    assert_eq!(
        detail.etag().as_deref(),
        Some(format!("\"{}\"", detail.body["customer"]["version"]).as_str())
    );
    let lead = app.lead(&token, &lead_id).await;
    assert_eq!(lead["status"], json!("won"));
    assert_eq!(lead["customer_id"], json!(customer_id));
    assert_eq!(lead["converted_booking_id"], json!("B-1"));
    let actors: Vec<&str> = lead["events"]
        .as_array()
        .map(|e| e.iter().filter_map(|e| e["actor"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(actors, vec!["system", "system"], "{lead}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unsigned_badly_signed_replayed_and_unconfigured_webhooks_get_401() {
    let app = App::start_fixed(false).await;
    hook_tenant(&app, "spa").await;
    app.add_tenant("plain").await;
    let body = fact("BookingCreated", "B-9", 1, &phone()).to_string();
    let now = app.now().timestamp();
    let cases = [
        ("missing", None),
        ("malformed", Some("sha256=abc".to_owned())),
        (
            "wrong key",
            Some(signature::sign(b"not-the-secret", now, body.as_bytes())),
        ),
        (
            "other body",
            Some(signature::sign(HOOK_SECRET.as_bytes(), now, b"{}")),
        ),
        (
            "replayed after 5 minutes",
            Some(signature::sign(
                HOOK_SECRET.as_bytes(),
                now - 301,
                body.as_bytes(),
            )),
        ),
    ];
    for (what, sig) in cases {
        let r = post_hook(&app, "spa", &body, sig).await;
        r.assert_problem(StatusCode::UNAUTHORIZED);
        assert!(r.body["detail"].is_string(), "{what}: {}", r.text);
    }
    let good = signature::sign(HOOK_SECRET.as_bytes(), now, body.as_bytes());
    let unconfigured = post_hook(&app, "plain", &body, Some(good.clone())).await;
    unconfigured.assert_problem(StatusCode::UNAUTHORIZED);
    let unknown = post_hook(&app, "nobody", &body, Some(good)).await;
    unknown.assert_problem(StatusCode::NOT_FOUND);
    // Nothing was stored by any of them.
    let owner = crm_shared::store::customers::phone_owner_key("spa", &e164(&phone()));
    assert!(app
        .server
        .ctx
        .store
        .get(&owner)
        .await
        .ok()
        .flatten()
        .is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_invalid_fact_is_a_422_naming_each_field() {
    let app = App::start_fixed(false).await;
    hook_tenant(&app, "spa").await;
    let bad = json!({
        "type": "BookingMaybe",
        "booking_id": "",
        "version": 0,
        "start": "tomorrow",
        "amount": -5,
        "customer": {"phone": "12", "email": "not-an-email"},
        "colour": "blue"
    });
    let r = hook(&app, "spa", &bad).await;
    r.assert_fields(&[
        "type",
        "booking_id",
        "version",
        "start",
        "amount",
        "customer.phone",
        "customer.email",
        "colour",
    ]);
    let nobody = json!({"type": "BookingCreated", "booking_id": "B-1", "version": 1, "start": "2026-11-20T10:00:00Z"});
    hook(&app, "spa", &nobody)
        .await
        .assert_fields(&["customer"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn customers_are_private_to_their_tenant_and_need_a_token() {
    let app = App::start_fixed(false).await;
    hook_tenant(&app, "spa").await;
    app.add_tenant("other").await;
    let r = hook(&app, "spa", &fact("BookingCreated", "B-1", 1, &phone())).await;
    let id = r.body["customer_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let path = format!("/customers/{id}");
    assert_eq!(app.get(&path, &owner("spa")).await.status, StatusCode::OK);
    app.get(&path, &owner("other"))
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    app.get("/customers/01JDEMCUST0000000000000001", &owner("spa"))
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    app.call(Method::GET, &path, None, None)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
}

/// The local bus routes Booking* events to the same consumer the EventBridge rule feeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn booking_facts_on_the_local_bus_reach_the_consumer() {
    let app = App::start_fixed(false).await;
    hook_tenant(&app, "spa").await;
    let national = phone();
    let mut detail = fact("BookingCreated", "BUS-1", 1, &national);
    detail["tenant_id"] = json!("spa");
    if let Some(d) = detail.as_object_mut() {
        d.remove("type");
    }
    app.server
        .bus
        .publish(vec![DomainEvent::new("BookingCreated", detail)])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let owner_key = crm_shared::store::customers::phone_owner_key("spa", &e164(&national));
    let mut found = None;
    for _ in 0..100 {
        if let Ok(Some(item)) = app.server.ctx.store.get(&owner_key).await {
            found = item
                .get("customer_id")
                .and_then(Value::as_str)
                .map(str::to_owned);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let id = found.unwrap_or_else(|| panic!("the consumer never made the customer"));
    let detail = app.get(&format!("/customers/{id}"), &staff("spa")).await;
    assert_eq!(detail.body["kpis"]["bookings"], json!(1), "{}", detail.text);
}
