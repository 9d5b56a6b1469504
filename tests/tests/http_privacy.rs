//! Erasure (issue 17 point 2): a person written through every path (capture, booking, call,
//! text, notes, task, conversion), then erased; afterwards no item in the whole store holds
//! their phone, email or name. Through real sockets into crm-local, the store read whole.

mod common;

use common::*;
use crm_shared::http::signature;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const NAME: &str = "Saoirse Vandermolen";
const NATIONAL: &str = "087 555 0199";
const E164: &str = "+353875550199";
const EMAIL: &str = "saoirse.v@example.ie";
const LEAD_ONLY_E164: &str = "+353865550177";

/// Posts `body` to the demo tenant's hook `hook`, signed now.
async fn demo_hook(app: &App, hook: &str, body: &Value) -> Resp {
    let text = body.to_string();
    let rb = app
        .req(Method::POST, &format!("/hooks/demo/{hook}"))
        .header("content-type", "application/json")
        .header(signature::HEADER, demo_signature(app, &text))
        .body(text);
    send(rb).await
}

/// Every stored item (key and attributes) that mentions the person, as text.
async fn traces(app: &App) -> Vec<String> {
    let keys = app.server.store.all_keys().await.expect("keys");
    let digits = E164.trim_start_matches('+');
    let lead_only_digits = LEAD_ONLY_E164.trim_start_matches('+').to_owned();
    let mut found = Vec::new();
    for key in keys {
        let item = crm_shared::ports::store::Store::get(&app.server.store, &key)
            .await
            .expect("get")
            .unwrap_or_default();
        let text = format!("{} | {} | {}", key.pk, key.sk, Value::Object(item)).to_lowercase();
        if text.contains(digits)
            || text.contains("5550199")
            || text.contains(&lead_only_digits)
            || text.contains("saoirse")
            || text.contains("vandermolen")
            || text.contains("tadhg")
            || text.contains("lead-only@example.ie")
        {
            found.push(text);
        }
    }
    found
}

/// Fails listing every item that still holds the person.
async fn assert_no_traces(app: &App) {
    let left = traces(app).await;
    assert!(
        left.is_empty(),
        "{} items still hold the person:\n{}",
        left.len(),
        left.join("\n")
    );
}

/// The person through every path the product has.
async fn write_everywhere(app: &App) -> (String, String) {
    app.drain().await;
    let lead = app
        .capture_ok(
            DEMO,
            &json!({"name": NAME, "phone": NATIONAL, "email": EMAIL, "consent": true,
                "message": "Saoirse would like a facial", "service": "Facial"}),
        )
        .await;
    let r = app
        .post(
            &format!("/leads/{lead}/notes"),
            &admin(DEMO),
            &json!({"body": "Saoirse prefers mornings"}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let r = demo_hook(
        app,
        "bookings",
        &json!({"type": "BookingCompleted", "booking_id": "SAOIRSE-1", "version": 1,
            "start": "2026-11-20T10:00:00Z", "service": "Facial", "amount": 6500,
            "customer": {"name": NAME, "phone": E164, "email": EMAIL}}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let customer = r.body["customer_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    app.advance(chrono::Duration::seconds(1));
    let r = demo_hook(
        app,
        "calls",
        &json!({"call_id": "CA-SAOIRSE", "from": E164, "to": "+35315550000", "status": "missed",
            "started_at": app.now().to_rfc3339(), "duration_seconds": 0, "name": NAME}),
    )
    .await;
    assert!(r.status.is_success(), "{}", r.text);
    let r = app
        .post(
            &format!("/customers/{customer}/messages"),
            &admin(DEMO),
            &json!({"body": "Hi Saoirse, see you soon"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    let r = app
        .post(
            &format!("/customers/{customer}/notes"),
            &staff(DEMO),
            &json!({"body": "Saoirse's allergies: none"}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    app.drain().await;
    (lead, customer)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deleting_a_customer_leaves_no_item_with_their_phone_email_or_name() {
    let app = App::start_fixed(true).await;
    let (_, customer) = write_everywhere(&app).await;
    // They opted out of texts, too.
    let r = demo_hook(&app, "sms-inbound", &json!({"From": E164, "Body": "STOP"})).await;
    assert_eq!(r.body["action"], json!("opted_out"), "{}", r.text);
    assert!(traces(&app).await.len() > 5, "{:?}", traces(&app).await);
    let r = app
        .call(
            Method::DELETE,
            &format!("/customers/{customer}"),
            Some(&owner(DEMO)),
            None,
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    assert_no_traces(&app).await;
    // Erased, they stay unsubscribed: back as a customer, they get no texts.
    app.advance(chrono::Duration::seconds(1));
    let r = demo_hook(
        &app,
        "bookings",
        &json!({"type": "BookingCreated", "booking_id": "SAOIRSE-2", "version": 1,
            "start": "2026-11-28T10:00:00Z", "customer": {"phone": E164}}),
    )
    .await;
    let again = r.body["customer_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let r = app
        .post(
            &format!("/customers/{again}/messages"),
            &admin(DEMO),
            &json!({"body": "Hello"}),
        )
        .await;
    r.assert_problem(StatusCode::CONFLICT);
    assert_eq!(r.body["conflict"], json!("opted_out"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn erasing_a_person_who_is_only_a_lead_by_phone_or_email_leaves_nothing_of_them() {
    let app = App::start_fixed(true).await;
    app.drain().await;
    let mut leads = Vec::new();
    for (name, email) in [
        ("Tadhg One", None),
        ("Tadhg Two", Some("lead-only@example.ie")),
    ] {
        let mut body = json!({"name": name, "phone": LEAD_ONLY_E164, "message": "Tadhg calling"});
        if let Some(e) = email {
            body["email"] = json!(e);
        }
        leads.push(app.capture_ok(DEMO, &body).await);
        // Two days later: not the same enquiry within the dedupe window.
        app.advance(chrono::Duration::days(2));
    }
    let r = app
        .post(
            &format!("/leads/{}/notes", leads[0]),
            &admin(DEMO),
            &json!({"body": "Tadhg asked about prices"}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    app.drain().await;
    assert!(traces(&app).await.len() >= 4);
    // Another business's owner erasing the same number erases nothing of this one's.
    app.add_tenant("bistro").await;
    let r = app
        .post(
            "/privacy/erase",
            &owner("bistro"),
            &json!({"phone": LEAD_ONLY_E164}),
        )
        .await;
    assert_eq!(
        r.body,
        json!({"customers": 0, "leads": 0, "messages": 0}),
        "{}",
        r.text
    );
    assert!(traces(&app).await.len() >= 4);
    // Not an owner: refused.
    app.post(
        "/privacy/erase",
        &admin(DEMO),
        &json!({"phone": "086 555 0177"}),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN);
    // Neither field, or one that does not read: 422.
    for bad in [json!({"phone": "hello"}), json!({})] {
        let r = app.post("/privacy/erase", &owner(DEMO), &bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    }
    // By email: the lead that gave it.
    let r = app
        .post(
            "/privacy/erase",
            &owner(DEMO),
            &json!({"email": "Lead-Only@example.ie"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body, json!({"customers": 0, "leads": 1, "messages": 0}));
    // By phone (in the business's own notation): the other.
    let r = app
        .post(
            "/privacy/erase",
            &owner(DEMO),
            &json!({"phone": "086 555 0177"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["leads"], json!(1));
    assert_no_traces(&app).await;
    app.get(&format!("/leads/{}", leads[0]), &admin(DEMO))
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    let found = app.get("/leads?q=865550177", &admin(DEMO)).await;
    assert_eq!(found.body["items"], json!([]), "{}", found.text);
    // Erasing again finds nothing and says so.
    let r = app
        .post(
            "/privacy/erase",
            &owner(DEMO),
            &json!({"phone": LEAD_ONLY_E164}),
        )
        .await;
    assert_eq!(r.body, json!({"customers": 0, "leads": 0, "messages": 0}));
}
