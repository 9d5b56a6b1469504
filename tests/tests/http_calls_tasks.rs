//! Calls over the signed webhook, the missed-call recovery queue and follow-up tasks
//! (DESIGN §2.1, §2.2, §3), through real sockets of crm-local on a fixed clock.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::*;
use crm_shared::domain::tenant::TenantSettings;
use crm_shared::http::auth::Role;
use crm_shared::http::signature;
use crm_shared::store::messages;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const HOOK_SECRET: &str = "whsec-calls-0123456789";

/// A tenant whose webhooks are signed with `HOOK_SECRET`; `auto_sms`: minutes after a missed
/// call that its recovery text goes out by itself.
async fn call_tenant(app: &App, id: &str, auto_sms: Option<u32>) {
    let mut settings = TenantSettings::new(id, &format!("Business {id}"), "IE", &redirect_of(id));
    settings.webhook_secret = Some(HOOK_SECRET.into());
    settings.missed_call_sms_after_minutes = auto_sms;
    crm_shared::store::tenants::create(app.server.ctx.store.as_ref(), &settings)
        .await
        .unwrap_or_else(|e| panic!("create tenant {id}: {e}"));
}

async fn post_call_raw(app: &App, tenant: &str, body: &str, sig: Option<String>) -> Resp {
    let mut rb = app
        .req(Method::POST, &format!("/hooks/{tenant}/calls"))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(s) = sig {
        rb = rb.header(signature::HEADER, s);
    }
    send(rb).await
}

/// Posts a call signed now with the tenant's secret.
async fn post_call(app: &App, tenant: &str, call: &Value) -> Resp {
    let body = call.to_string();
    let sig = signature::sign(
        HOOK_SECRET.as_bytes(),
        app.now().timestamp(),
        body.as_bytes(),
    );
    post_call_raw(app, tenant, &body, Some(sig)).await
}

fn call(id: &str, from: &str, status: &str) -> Value {
    json!({"call_id": id, "from": from, "to": "+35315550000", "status": status,
        "started_at": "2026-11-15T11:59:30Z", "duration_seconds": 0, "name": "Sean Kelly"})
}

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| panic!("not a time: {v}"))
}

fn staff_as(tenant: &str, sub: &str) -> String {
    token(tenant, Role::Staff, sub)
}

async fn timeline_of(app: &App, tok: &str, customer: &str, kind: &str) -> Vec<Value> {
    let r = app
        .get(&format!("/customers/{customer}/timeline?type={kind}"), tok)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["entries"].as_array().cloned().unwrap_or_default()
}

async fn missed_list(app: &App, tok: &str, query: &str) -> Vec<Value> {
    let r = app.get(&format!("/missed-calls{query}"), tok).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["missed_calls"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_missed_call_makes_the_customer_enters_the_queue_is_texted_and_handled() {
    let app = App::start_fixed(false).await;
    call_tenant(&app, "calls", None).await;
    let tok = staff_as("calls", "staff-1");
    // Texts are an admin's to send (the route table); staff handle the call.
    let texter = token("calls", Role::Admin, "admin-1");
    let number = phone();

    let r = post_call(&app, "calls", &call("CA-1", &number, "missed")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["recorded"], json!(true));
    assert_eq!(r.body["customer_created"], json!(true));
    let customer = r.body["customer_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let missed = r.body["missed_call"].clone();
    let id = missed["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(missed["status"], json!("open"));
    assert_eq!(missed["phone"], json!(e164(&number)));
    assert_eq!(
        missed.get("sms_message_id"),
        None,
        "no automatic text: {missed}"
    );

    // The caller is a customer (segment lead) with the call on their timeline.
    let c = app.get(&format!("/customers/{customer}"), &tok).await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.text);
    assert_eq!(c.body["customer"]["segment"], json!("lead"));
    assert_eq!(c.body["customer"]["name"], json!("Sean Kelly"));
    assert_eq!(
        c.body["customer"]["source"],
        json!("phone_call"),
        "first touch"
    );
    let calls = timeline_of(&app, &tok, &customer, "call").await;
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0]["type"], json!("call"));

    let open = missed_list(&app, &tok, "").await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["id"], json!(id));

    // The same call again (signed anew) records nothing.
    app.advance(Duration::seconds(1));
    let again = post_call(&app, "calls", &call("CA-1", &number, "missed")).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(again.body["recorded"], json!(false));
    assert_eq!(again.body["missed_call"]["id"], json!(id));
    assert_eq!(timeline_of(&app, &tok, &customer, "call").await.len(), 1);
    assert_eq!(missed_list(&app, &tok, "?status=all").await.len(), 1);

    // An answered call from the same number: the same customer, the timeline only.
    let answered = post_call(&app, "calls", &call("CA-2", &number, "answered")).await;
    assert_eq!(answered.status, StatusCode::CREATED, "{}", answered.text);
    assert_eq!(answered.body["customer_id"], json!(customer));
    assert_eq!(answered.body["customer_created"], json!(false));
    assert_eq!(answered.body["missed_call"], Value::Null);
    assert_eq!(missed_list(&app, &tok, "").await.len(), 1);

    // Staff text the caller back now, in their own words.
    let text = "Hi Sean, sorry we missed you! Call us back any time.";
    let sms = app
        .post(
            &format!("/missed-calls/{id}/sms"),
            &texter,
            &json!({"body": text}),
        )
        .await;
    assert_eq!(sms.status, StatusCode::CREATED, "{}", sms.text);
    let message_id = sms.body["message"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(message_id, format!("missed-{id}"));
    assert_eq!(sms.body["missed_call"]["sms_message_id"], json!(message_id));
    let stored = messages::get(app.server.ctx.store.as_ref(), "calls", &message_id)
        .await
        .unwrap_or_else(|e| panic!("get message: {e}"))
        .unwrap_or_else(|| panic!("the message is recorded"));
    assert_eq!(stored.body, text);
    assert_eq!(stored.status.as_str(), "queued");
    assert_eq!(stored.kind.as_str(), "missed_call");
    assert_eq!(stored.not_before, app.now());
    assert_eq!(stored.missed_call_id.as_deref(), Some(id.as_str()));
    assert_eq!(stored.to, e164(&number));
    assert_eq!(stored.created_by, "admin-1");
    // One recovery text per missed call.
    let twice = app
        .post(&format!("/missed-calls/{id}/sms"), &texter, &json!({}))
        .await;
    twice.assert_problem(StatusCode::CONFLICT);
    assert_eq!(twice.body["conflict"], json!("sms_queued"));
    assert_eq!(twice.body["message_id"], json!(message_id));

    // Handled: idempotent, recorded, out of the open list, on the timeline.
    app.advance(Duration::minutes(10));
    let handled_at = app.now();
    let h = app
        .post(&format!("/missed-calls/{id}/handled"), &tok, &json!({}))
        .await;
    assert_eq!(h.status, StatusCode::OK, "{}", h.text);
    assert_eq!(h.body["status"], json!("handled"));
    assert_eq!(h.body["handled_by"], json!("staff-1"));
    assert_eq!(time(&h.body["handled_at"]), handled_at);
    app.advance(Duration::minutes(1));
    let other = staff_as("calls", "staff-2");
    let h2 = app
        .post_empty(&format!("/missed-calls/{id}/handled"), &other)
        .await;
    assert_eq!(h2.status, StatusCode::OK, "{}", h2.text);
    assert_eq!(h2.body["handled_by"], json!("staff-1"));
    assert_eq!(time(&h2.body["handled_at"]), handled_at);
    assert!(missed_list(&app, &tok, "").await.is_empty());
    assert_eq!(missed_list(&app, &tok, "?status=handled").await.len(), 1);
    assert_eq!(missed_list(&app, &tok, "?status=all").await.len(), 1);
    assert_eq!(timeline_of(&app, &tok, &customer, "call").await.len(), 3);
    assert!(
        crm_shared::store::calls::is_handled(app.server.ctx.store.as_ref(), "calls", &id)
            .await
            .unwrap_or(false)
    );

    // A handled call is not texted.
    let late = app
        .post(&format!("/missed-calls/{id}/sms"), &texter, &json!({}))
        .await;
    late.assert_problem(StatusCode::CONFLICT);
    assert_eq!(late.body["conflict"], json!("handled"));

    // Unknown ids and parameters.
    for bad in ["nope", "01JDEMMXSD0000000000000001"] {
        app.post(&format!("/missed-calls/{bad}/handled"), &tok, &json!({}))
            .await
            .assert_problem(StatusCode::NOT_FOUND);
        app.post(&format!("/missed-calls/{bad}/sms"), &texter, &json!({}))
            .await
            .assert_problem(StatusCode::NOT_FOUND);
    }
    app.get("/missed-calls?status=closed", &tok)
        .await
        .assert_fields(&["status"]);
    app.get("/missed-calls?cursor=abc", &tok)
        .await
        .assert_fields(&["cursor"]);
    app.post(
        &format!("/missed-calls/{id}/sms"),
        &texter,
        &json!({"body": 5, "x": 1}),
    )
    .await
    .assert_fields(&["body", "x"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_tenants_automatic_recovery_text_is_queued_with_its_delay() {
    let app = App::start_fixed(false).await;
    call_tenant(&app, "auto", Some(15)).await;
    let tok = staff_as("auto", "staff-1");
    // Texts are an admin's to send (the route table); staff handle the call.
    let texter = token("auto", Role::Admin, "admin-1");
    let r = post_call(&app, "auto", &call("CA-9", &phone(), "voicemail")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.body["missed_call"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let message_id = format!("missed-{id}");
    assert_eq!(r.body["missed_call"]["sms_message_id"], json!(message_id));
    let stored = messages::get(app.server.ctx.store.as_ref(), "auto", &message_id)
        .await
        .unwrap_or_else(|e| panic!("get message: {e}"))
        .unwrap_or_else(|| panic!("the automatic text is recorded"));
    assert_eq!(stored.not_before, app.now() + Duration::minutes(15));
    assert_eq!(stored.created_by, "system");
    assert_eq!(stored.kind.as_str(), "missed_call");
    assert!(stored.body.contains("Sean"), "{}", stored.body);
    // A redelivery keeps the one text.
    let again = post_call(&app, "auto", &call("CA-9", &phone(), "voicemail")).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(
        again.body["missed_call"]["sms_message_id"],
        json!(message_id)
    );
    // Nobody can queue a second one.
    let sms = app
        .post(&format!("/missed-calls/{id}/sms"), &texter, &json!({}))
        .await;
    sms.assert_problem(StatusCode::CONFLICT);
    // An answered call is not texted.
    let answered = post_call(&app, "auto", &call("CA-10", &phone(), "answered")).await;
    assert_eq!(answered.status, StatusCode::CREATED, "{}", answered.text);
    assert_eq!(answered.body["missed_call"], Value::Null);

    // Another missed call is handled before its text is due: that text is skipped, the
    // first one goes out when its 15 minutes are up.
    let r = post_call(&app, "auto", &call("CA-11", &phone(), "missed")).await;
    let handled = r.body["missed_call"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let done = app
        .post(
            &format!("/missed-calls/{handled}/handled"),
            &tok,
            &json!({}),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    app.drain().await;
    let status = |id: String| {
        let store = app.server.ctx.store.clone();
        async move {
            messages::get(store.as_ref(), "auto", &id)
                .await
                .unwrap_or_else(|e| panic!("get message: {e}"))
                .unwrap_or_else(|| panic!("message {id}"))
        }
    };
    assert_eq!(status(message_id.clone()).await.status.as_str(), "queued");
    app.advance(Duration::minutes(15));
    app.drain().await;
    assert_eq!(status(message_id).await.status.as_str(), "sent");
    let skipped = status(format!("missed-{handled}")).await;
    assert_eq!(skipped.status.as_str(), "skipped");
    assert_eq!(
        skipped.reason.as_deref(),
        Some("the missed call was handled meanwhile")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unsigned_badly_signed_unknown_tenant_and_invalid_calls_are_refused() {
    let app = App::start_fixed(false).await;
    call_tenant(&app, "calls", None).await;
    app.add_tenant("nohooks").await;
    let body = call("CA-X", &phone(), "missed").to_string();
    let now = app.now().timestamp();
    for sig in [
        None,
        Some("garbage".to_owned()),
        Some(signature::sign(b"not-the-secret", now, body.as_bytes())),
        Some(signature::sign(
            HOOK_SECRET.as_bytes(),
            now - 3600,
            body.as_bytes(),
        )),
        Some(signature::sign(HOOK_SECRET.as_bytes(), now, b"{}")),
    ] {
        post_call_raw(&app, "calls", &body, sig)
            .await
            .assert_problem(StatusCode::UNAUTHORIZED);
    }
    let good = signature::sign(HOOK_SECRET.as_bytes(), now, body.as_bytes());
    post_call_raw(&app, "nohooks", &body, Some(good.clone()))
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
    // Unknown businesses are refused as a bad signature is: nothing tells them apart.
    for tenant in ["nobody", "Not_A_Tenant"] {
        post_call_raw(&app, tenant, &body, Some(good.clone()))
            .await
            .assert_problem(StatusCode::UNAUTHORIZED);
    }
    let r = post_call(
        &app,
        "calls",
        &json!({"call_id": "", "from": "12", "status": "busy", "duration_seconds": -3, "extra": true}),
    )
    .await;
    r.assert_fields(&["call_id", "from", "status", "duration_seconds", "extra"]);
    // Nothing was recorded on the way.
    assert!(missed_list(&app, &staff("calls"), "?status=all")
        .await
        .is_empty());
}

async fn tasks_of(app: &App, tok: &str, query: &str) -> Vec<Value> {
    let r = app.get(&format!("/tasks{query}"), tok).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["tasks"].as_array().cloned().unwrap_or_default()
}

fn lead_ids(tasks: &[Value]) -> Vec<String> {
    tasks
        .iter()
        .map(|t| t["lead_id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_new_lead_gets_a_contact_task_due_one_business_hour_later_that_staff_complete() {
    // 2026-11-15 12:00 UTC is 12:00 in Dublin: business hours (09:00–18:00).
    let app = App::start_fixed(false).await;
    app.add_tenant("tasks").await;
    let tok = staff_as("tasks", "staff-1");
    let start = app.now();

    let captured = app
        .capture_ok("tasks", &capture_body("Ann Murphy", &phone()))
        .await;
    let open = tasks_of(&app, &tok, "").await;
    assert_eq!(lead_ids(&open), vec![captured.clone()]);
    let task = &open[0];
    assert_eq!(task["id"], json!(format!("{captured}.contact")));
    assert_eq!(task["title"], json!("Contact lead"));
    assert_eq!(task["status"], json!("open"));
    assert_eq!(task["lead_name"], json!("Ann Murphy"));
    assert_eq!(task.get("assignee"), None);
    assert_eq!(time(&task["due_at"]), start + Duration::hours(1));
    // The lead's detail shows it.
    let detail = app.lead(&tok, &captured).await;
    assert_eq!(detail["tasks"][0]["id"], task["id"]);

    // At 17:30 the hour runs on into the next morning.
    app.advance(Duration::minutes(330));
    let late = app
        .create_lead_id(
            &token("tasks", Role::Admin, "admin-1"),
            &json!({"name": "Bea Walsh", "phone": phone(), "assignee": "staff-1"}),
        )
        .await;
    let open = tasks_of(&app, &tok, "").await;
    assert_eq!(
        lead_ids(&open),
        vec![captured.clone(), late.clone()],
        "soonest due first"
    );
    assert_eq!(
        time(&open[1]["due_at"]),
        start + Duration::hours(21) + Duration::minutes(30)
    );
    assert_eq!(open[1]["assignee"], json!("staff-1"));

    // Mine, theirs, and due by now.
    assert_eq!(
        lead_ids(&tasks_of(&app, &tok, "?assignee=me").await),
        vec![late.clone()]
    );
    let other = staff_as("tasks", "staff-2");
    assert!(tasks_of(&app, &other, "?assignee=me").await.is_empty());
    assert_eq!(tasks_of(&app, &other, "?assignee=all").await.len(), 2);
    assert_eq!(
        lead_ids(&tasks_of(&app, &tok, "?due=true").await),
        vec![captured.clone()]
    );
    assert!(tasks_of(&app, &tok, "?due=true&assignee=me")
        .await
        .is_empty());

    // Completing: idempotent, who and when, out of the open lists.
    let done_at = app.now();
    let id = format!("{captured}.contact");
    let r = app.post_empty(&format!("/tasks/{id}/complete"), &tok).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], json!("done"));
    assert_eq!(r.body["completed_by"], json!("staff-1"));
    assert_eq!(time(&r.body["completed_at"]), done_at);
    app.advance(Duration::minutes(5));
    let again = app
        .post(&format!("/tasks/{id}/complete"), &other, &json!({}))
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(again.body["completed_by"], json!("staff-1"));
    assert_eq!(
        lead_ids(&tasks_of(&app, &tok, "").await),
        vec![late.clone()]
    );
    assert_eq!(
        lead_ids(&tasks_of(&app, &tok, "?status=done").await),
        vec![captured.clone()]
    );
    assert_eq!(
        lead_ids(&tasks_of(&app, &tok, "?status=all").await),
        vec![late.clone(), captured.clone()],
        "newest first"
    );
    assert_eq!(
        app.lead(&tok, &captured).await["tasks"][0]["status"],
        json!("done")
    );

    // Pages follow cursors; bad parameters are named; unknown tasks are 404.
    let first = app.get("/tasks?status=all&limit=1", &tok).await;
    let cursor = first.body["next_cursor"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!cursor.is_empty(), "{}", first.text);
    let second = app
        .get(
            &format!("/tasks?status=all&limit=1&cursor={}", enc(&cursor)),
            &tok,
        )
        .await;
    assert_eq!(
        lead_ids(
            second.body["tasks"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
        ),
        vec![captured.clone()]
    );
    app.get(&format!("/tasks?cursor={}", enc(&cursor)), &tok)
        .await
        .assert_fields(&["cursor"]);
    app.get("/tasks?status=late&assignee=you&due=maybe&limit=0", &tok)
        .await
        .assert_fields(&["status", "assignee", "due"]);
    app.get("/tasks?sort=due", &tok)
        .await
        .assert_fields(&["sort"]);
    for bad in [
        "nope",
        "01JDEMEVNT0000000000000001.contact",
        &format!("{captured}.other"),
    ] {
        app.post(&format!("/tasks/{bad}/complete"), &tok, &json!({}))
            .await
            .assert_problem(StatusCode::NOT_FOUND);
    }
    // Another tenant sees none of it.
    app.add_tenant("rival").await;
    let rival = staff_as("rival", "staff-1");
    assert!(tasks_of(&app, &rival, "?status=all").await.is_empty());
    app.post(
        &format!("/tasks/{captured}.contact/complete"),
        &rival,
        &json!({}),
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND);
}
