//! Texts and settings through real sockets of crm-local: the owner's settings (secrets never
//! returned), STOP/START over the signed inbound hook, staff texting a customer, the review
//! request a completed visit queues, and the messages list — with the local queue and
//! outbox, on a fixed clock the test moves (no sleeping).

mod common;

use common::*;
use crm_shared::http::signature;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// Posts `body` to a demo webhook, signed now with the demo secret (or not).
async fn demo_hook(app: &App, hook: &str, body: &Value, signed: bool) -> Resp {
    let text = body.to_string();
    let mut rb = app
        .req(Method::POST, &format!("/hooks/demo/{hook}"))
        .header("content-type", "application/json")
        .body(text.clone());
    if signed {
        rb = rb.header(signature::HEADER, demo_signature(app, &text));
    }
    send(rb).await
}

async fn patch_settings(app: &App, token: &str, body: &Value) -> Resp {
    app.call(Method::PATCH, "/settings", Some(token), Some(body))
        .await
}

/// The messages of one customer, newest first.
async fn messages_of(app: &App, customer: &str) -> Vec<Value> {
    let r = app.get("/messages?limit=100", &staff(DEMO)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m["customer_id"] == json!(customer))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_are_the_owners_and_never_show_their_secrets() {
    let app = App::start_fixed(true).await;
    let r = app.get("/settings", &owner(DEMO)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["webhook_secret_set"], json!(true));
    assert!(!r.text.contains(crm_local::seed::DEMO_WEBHOOK_SECRET));
    assert_eq!(
        r.body["quiet_hours"],
        json!({"start": "20:00", "end": "09:00"})
    );
    assert_eq!(
        r.body["templates"]["review_request"]["custom"],
        json!(false)
    );

    let token = "EAAG-secret-token-0123456789";
    let r = patch_settings(
        &app,
        &owner(DEMO),
        &json!({
            "meta": {"pixel_id": "1234567890", "access_token": token},
            "quiet_hours": {"start": "21:00", "end": "08:30"},
            "templates": {"review_request": "{first_name}, how was {business}? {review_url}"},
            "review_url": "https://g.page/r/demo",
            "time_zone": "America/New_York"
        }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(!r.text.contains(token), "the token is never returned");
    assert_eq!(r.body["meta"]["access_token_set"], json!(true));
    assert_eq!(r.body["templates"]["review_request"]["custom"], json!(true));
    let again = app.get("/settings", &owner(DEMO)).await;
    assert!(!again.text.contains(token));
    assert_eq!(again.body["time_zone"], json!("America/New_York"));
    assert_eq!(again.body["meta"]["pixel_id"], json!("1234567890"));
    // The pixel can change without sending the token again; it is kept.
    let r = patch_settings(
        &app,
        &owner(DEMO),
        &json!({"meta": {"pixel_id": "999999999"}}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let stored = crm_shared::store::tenants::get(app.server.ctx.store.as_ref(), DEMO)
        .await
        .expect("get")
        .expect("tenant");
    let kept = stored.meta.map(|m| m.access_token).expect("a token");
    assert!(
        kept.is_sealed() && !kept.stored().contains(token),
        "stored sealed"
    );
    let opened = app
        .server
        .ctx
        .vault
        .open(DEMO, crm_shared::domain::secret::Purpose::Meta, &kept)
        .await
        .expect("open");
    assert_eq!(opened, token);

    let bad = patch_settings(
        &app,
        &owner(DEMO),
        &json!({
            "time_zone": "Mars/Olympus",
            "quiet_hours": {"start": "25:00", "end": "08:00"},
            "templates": {"review_request": "Hi {firstname}", "birthday": "x"},
            "meta": {"pixel_id": "abc"},
            "stale_after_hours": 0,
            "color": "blue"
        }),
    )
    .await;
    bad.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let mut fields: Vec<String> = bad.body["errors"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|e| e["field"].as_str().map(str::to_owned))
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "color",
            "meta.pixel_id",
            "quiet_hours",
            "stale_after_hours",
            "templates.birthday",
            "templates.review_request",
            "time_zone"
        ],
        "{}",
        bad.text
    );
    let unchanged = app.get("/settings", &owner(DEMO)).await;
    assert_eq!(
        unchanged.body["time_zone"],
        json!("America/New_York"),
        "nothing of a refused patch is kept"
    );

    for t in [admin(DEMO), staff(DEMO)] {
        app.get("/settings", &t)
            .await
            .assert_problem(StatusCode::FORBIDDEN);
        patch_settings(&app, &t, &json!({"review_delay_minutes": 5}))
            .await
            .assert_problem(StatusCode::FORBIDDEN);
    }
}

/// Settings carry a version: a patch pinned to an older one (If-Match) is refused with 412
/// and changes nothing; patches that race each other without one are all kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_changes_are_versioned_and_none_is_lost_to_a_race() {
    let app = App::start(true).await;
    let tok = owner(DEMO);
    let read = app.get("/settings", &tok).await;
    let v0 = read.body["version"]
        .as_u64()
        .unwrap_or_else(|| panic!("{}", read.text));
    assert_eq!(read.header("etag"), Some(format!("\"{v0}\"")));

    let pinned = |version: u64, body: Value| {
        app.req(Method::PATCH, "/settings")
            .bearer_auth(&tok)
            .header("if-match", format!("\"{version}\""))
            .json(&body)
    };
    let first = send(pinned(v0, json!({"stale_after_hours": 36}))).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.body["version"], json!(v0 + 1));
    assert_eq!(first.header("etag"), Some(format!("\"{}\"", v0 + 1)));

    // A second tab still holding v0 would overwrite what it never saw.
    let stale = send(pinned(v0, json!({"stale_after_hours": 12}))).await;
    stale.assert_problem(StatusCode::PRECONDITION_FAILED);
    assert_eq!(
        stale.body["current_version"],
        json!(v0 + 1),
        "{}",
        stale.text
    );
    let now = app.get("/settings", &tok).await;
    assert_eq!(
        now.body["stale_after_hours"],
        json!(36),
        "the refused patch changed nothing"
    );

    // Eight owners' tabs change settings at once, four of them each a different template:
    // every change is kept. (The four senders are ones the operator allowed.)
    let allowed: Vec<String> = (4..8).map(|i| format!("+35387000000{i}")).collect();
    crm_shared::store::senders::set(app.server.ctx.store.as_ref(), DEMO, &allowed)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let kinds = ["follow_up", "missed_call", "review_request", "manual"];
    let bodies = kinds
        .iter()
        .enumerate()
        .map(|(i, kind)| json!({"templates": {*kind: format!("Text {i} from {{business}}")}}))
        .chain((4..8).map(
            |i| json!({"review_delay_minutes": 100 + i, "sms_from": format!("+35387000000{i}")}),
        ));
    let mut racing = tokio::task::JoinSet::new();
    for body in bodies {
        racing.spawn(send(
            app.req(Method::PATCH, "/settings")
                .bearer_auth(&tok)
                .json(&body),
        ));
    }
    while let Some(done) = racing.join_next().await {
        let r = done.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let after = app.get("/settings", &tok).await;
    for (i, kind) in kinds.iter().enumerate() {
        assert_eq!(
            after.body["templates"][kind]["text"],
            json!(format!("Text {i} from {{business}}")),
            "{kind} was lost: {}",
            after.body
        );
    }
    assert_eq!(
        after.body["version"],
        json!(v0 + 9),
        "one version per change"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_opts_a_number_out_start_back_in_and_admin_texts_reach_the_outbox() {
    let app = App::start_fixed(true).await;
    app.drain().await; // the seed's own review requests
    let customer = demo_customer(&app).await;
    let from = e164(crm_local::seed::DEMO_CUSTOMER_PHONE);
    let path = format!("/customers/{customer}/messages");

    demo_hook(
        &app,
        "sms-inbound",
        &json!({"From": from, "Body": "STOP"}),
        false,
    )
    .await
    .assert_problem(StatusCode::UNAUTHORIZED);
    let r = demo_hook(
        &app,
        "sms-inbound",
        &json!({"From": from, "Body": "Stop"}),
        true,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.body,
        json!({"action": "opted_out", "customer_id": customer})
    );

    let refused = app
        .post(&path, &admin(DEMO), &json!({"body": "Hello"}))
        .await;
    refused.assert_problem(StatusCode::CONFLICT);
    assert_eq!(refused.body["conflict"], json!("opted_out"));

    let r = demo_hook(
        &app,
        "sms-inbound",
        &json!({"From": from, "Body": "START"}),
        true,
    )
    .await;
    assert_eq!(r.body["action"], json!("opted_in"));
    let r = app
        .post(
            &path,
            &admin(DEMO),
            &json!({"body": "Your voucher is ready to collect."}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    assert_eq!(r.body["status"], json!("queued"));
    let id = r.body["id"].as_str().unwrap_or_default().to_owned();

    assert!(app.drain().await >= 1);
    let sent: Vec<_> = app
        .server
        .outbox
        .sent()
        .into_iter()
        .filter(|(_, sms)| sms.body == "Your voucher is ready to collect.")
        .collect();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].1.to, from);
    let listed = messages_of(&app, &customer).await;
    let mine = listed
        .iter()
        .find(|m| m["id"] == json!(id))
        .expect("listed");
    assert_eq!(mine["status"], json!("sent"));
    assert_eq!(mine["created_by"], json!("admin-1"));
    let only_sent = app.get("/messages?status=sent", &staff(DEMO)).await;
    assert!(only_sent.body["items"]
        .as_array()
        .is_some_and(|items| items.iter().all(|m| m["status"] == json!("sent"))));
    app.get("/messages?status=lost", &staff(DEMO))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);

    // The timeline tells the story: opted out, back in, queued, sent.
    let timeline = app
        .get(
            &format!("/customers/{customer}/timeline?type=message"),
            &staff(DEMO),
        )
        .await;
    let texts: Vec<&str> = timeline.body["entries"]
        .as_array()
        .map(|e| e.iter().filter_map(|x| x["text"].as_str()).collect())
        .unwrap_or_default();
    for expected in [
        "Opted out of texts (STOP)",
        "Opted back in to texts (START)",
        "Text (manual) queued",
        "Text (manual) sent",
    ] {
        assert!(texts.contains(&expected), "{expected} in {texts:?}");
    }

    // A template instead of words; a bad request names its field.
    let r = app
        .post(&path, &admin(DEMO), &json!({"template": "follow_up"}))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    assert!(
        r.body["body"]
            .as_str()
            .is_some_and(|b| b.contains("Demo Day Spa")),
        "{}",
        r.text
    );
    app.post(&path, &admin(DEMO), &json!({}))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    app.post(
        &path,
        &admin(DEMO),
        &json!({"body": "a", "template": "manual"}),
    )
    .await
    .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_completed_visit_asks_for_one_review_after_the_delay() {
    let app = App::start_fixed(true).await;
    app.drain().await;
    let phone = e164(&phone());
    let fact = |kind: &str, version: u64| {
        json!({
            "type": kind, "booking_id": format!("BK-{phone}"), "version": version,
            "start": "2026-11-15T10:00:00Z", "service": "Facial", "amount": 6000,
            "currency": "EUR", "paid": true,
            "customer": {"name": "Orla Kelly", "phone": phone}
        })
    };
    let r = demo_hook(&app, "bookings", &fact("BookingCreated", 1), true).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let customer = r.body["customer_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let r = demo_hook(&app, "bookings", &fact("BookingCompleted", 2), true).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Delivered twice (at least once): still one request.
    demo_hook(&app, "bookings", &fact("BookingCompleted", 2), true).await;

    let queued = messages_of(&app, &customer).await;
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(queued[0]["kind"], json!("review_request"));
    assert_eq!(
        queued[0]["not_before"],
        json!("2026-11-15T14:00:00Z"),
        "two hours after noon"
    );
    app.drain().await;
    assert_eq!(
        messages_of(&app, &customer).await[0]["status"],
        json!("queued")
    );

    app.advance(chrono::Duration::hours(2));
    app.drain().await;
    assert_eq!(
        messages_of(&app, &customer).await[0]["status"],
        json!("sent")
    );
    let profile = app
        .get(&format!("/customers/{customer}"), &staff(DEMO))
        .await;
    assert_eq!(
        profile.body["customer"]["review_requested_at"],
        json!("2026-11-15T14:00:00Z")
    );

    let again = app
        .post(
            &format!("/customers/{customer}/review-request"),
            &admin(DEMO),
            &json!({}),
        )
        .await;
    again.assert_problem(StatusCode::CONFLICT);
    assert_eq!(
        again.body["review_requested_at"],
        json!("2026-11-15T14:00:00Z")
    );
    app.advance(chrono::Duration::days(91));
    let later = app
        .post(
            &format!("/customers/{customer}/review-request"),
            &admin(DEMO),
            &json!({}),
        )
        .await;
    assert_eq!(later.status, StatusCode::ACCEPTED, "{}", later.text);
}

/// A review asked for by hand during quiet hours waits for them to end; asking again
/// meanwhile is refused with when it goes out (not queued twice), and once sent the 90 days
/// apply.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_review_waiting_for_quiet_hours_is_not_asked_for_twice() {
    let app = App::start_fixed(true).await;
    app.drain().await;
    // Quiet from 11:00 to 20:00 Dublin: the fixed clock's noon is inside.
    let r = app
        .call(
            Method::PATCH,
            "/settings",
            Some(&owner(DEMO)),
            Some(&json!({"quiet_hours": {"start": "11:00", "end": "20:00"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let phone = e164(&phone());
    let created = json!({
        "type": "BookingCreated", "booking_id": format!("BK-{phone}"), "version": 1,
        "start": "2026-11-20T10:00:00Z", "service": "Facial", "amount": 6000,
        "currency": "EUR", "customer": {"name": "Nora Quiet", "phone": phone}
    });
    let r = demo_hook(&app, "bookings", &created, true).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let customer = r.body["customer_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let path = format!("/customers/{customer}/review-request");

    let first = app.post(&path, &admin(DEMO), &json!({})).await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{}", first.text);
    app.drain().await;
    let queued = messages_of(&app, &customer).await;
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0]["status"], json!("queued"), "waiting for 20:00");

    let again = app.post(&path, &admin(DEMO), &json!({})).await;
    again.assert_problem(StatusCode::CONFLICT);
    assert_eq!(
        again.body["conflict"],
        json!("review_waiting"),
        "{}",
        again.text
    );
    assert_eq!(
        messages_of(&app, &customer).await.len(),
        1,
        "not queued twice"
    );

    app.advance(chrono::Duration::hours(9));
    app.drain().await;
    let sent = messages_of(&app, &customer).await;
    assert_eq!(sent[0]["status"], json!("sent"), "{sent:?}");
    let after = app.post(&path, &admin(DEMO), &json!({})).await;
    after.assert_problem(StatusCode::CONFLICT);
    assert!(
        after.body["review_requested_at"].is_string(),
        "{}",
        after.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_reports_mark_texts_delivered_or_failed_on_the_timeline() {
    let app = App::start_fixed(true).await;
    app.drain().await;
    let customer = demo_customer(&app).await;
    let path = format!("/customers/{customer}/messages");
    let mut sids = Vec::new();
    for body in ["First", "Second"] {
        let r = app.post(&path, &admin(DEMO), &json!({"body": body})).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
        app.drain().await;
        let (sid, _) = app
            .server
            .outbox
            .sent()
            .into_iter()
            .find(|(_, sms)| sms.body == body)
            .expect("sent");
        sids.push((r.body["id"].as_str().unwrap_or_default().to_owned(), sid));
    }
    let report = |sid: &str, status: &str| json!({"MessageSid": sid, "MessageStatus": status});
    let r = demo_hook(&app, "sms-status", &report(&sids[0].1, "delivered"), true).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], json!("delivered"));
    assert_eq!(r.body["changed"], json!(true));
    // Twilio posts its intermediate statuses too: they change nothing.
    let r = demo_hook(&app, "sms-status", &report(&sids[0].1, "sent"), true).await;
    assert_eq!(r.body["changed"], json!(false));
    let mut failed = report(&sids[1].1, "undelivered");
    failed["ErrorCode"] = json!(30003);
    let r = demo_hook(&app, "sms-status", &failed, true).await;
    assert_eq!(r.body["status"], json!("failed"), "{}", r.text);
    // Statuses only move forward: a late report contradicting a final one changes nothing.
    let r = demo_hook(&app, "sms-status", &report(&sids[0].1, "failed"), true).await;
    assert_eq!(
        (r.body["status"].clone(), r.body["changed"].clone()),
        (json!("delivered"), json!(false)),
        "{}",
        r.text
    );
    let r = demo_hook(&app, "sms-status", &report(&sids[1].1, "delivered"), true).await;
    assert_eq!(r.body["status"], json!("failed"), "{}", r.text);

    let listed = messages_of(&app, &customer).await;
    let of = |id: &str| {
        listed
            .iter()
            .find(|m| m["id"] == json!(id))
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(of(&sids[0].0)["status"], json!("delivered"));
    assert_eq!(of(&sids[1].0)["status"], json!("failed"));
    assert_eq!(
        of(&sids[1].0)["reason"],
        json!("carrier reported undelivered (error 30003)")
    );
    let timeline = app
        .get(
            &format!("/customers/{customer}/timeline?type=message"),
            &staff(DEMO),
        )
        .await;
    assert!(
        timeline.text.contains("Text (manual) delivered"),
        "{}",
        timeline.text
    );

    // A final report for an id not recorded yet is kept for the send (202); an intermediate
    // one is not worth keeping.
    let r = demo_hook(
        &app,
        "sms-status",
        &report("SM-not-recorded-yet", "delivered"),
        true,
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    assert_eq!(r.body["parked"], json!(true));
    assert_eq!(r.body["message_id"], Value::Null);
    demo_hook(
        &app,
        "sms-status",
        &report("SM-never-sent", "sending"),
        true,
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND);
    demo_hook(&app, "sms-status", &report(&sids[0].1, "delivered"), false)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
    demo_hook(
        &app,
        "sms-status",
        &json!({"MessageStatus": "delivered"}),
        true,
    )
    .await
    .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
}

/// Posts `params` form-encoded to a demo webhook with Twilio's signature over `signed_url`
/// (the URL as called, unless a test signs another) and `signed_params`, keyed with `token`.
async fn twilio_hook(
    app: &App,
    hook: &str,
    params: &[(&str, &str)],
    signed: (&str, &str, &[(&str, &str)]),
) -> Resp {
    let (token, signed_url, signed_params) = signed;
    let owned = |ps: &[(&str, &str)]| -> Vec<(String, String)> {
        ps.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    let header = crm_shared::http::twilio_signature::sign(
        token.as_bytes(),
        signed_url,
        &owned(signed_params),
    );
    let body = serde_urlencoded::to_string(owned(params)).unwrap_or_default();
    send(
        app.req(Method::POST, &format!("/hooks/demo/{hook}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header(crm_shared::http::twilio_signature::HEADER, header)
            .body(body),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twilio_signed_callbacks_opt_out_and_report_delivery_as_twilio_sends_them() {
    let app = App::start_fixed(true).await;
    app.drain().await;
    let customer = demo_customer(&app).await;
    let from = e164(crm_local::seed::DEMO_CUSTOMER_PHONE);
    let inbound_url = format!("{}/hooks/demo/sms-inbound", app.url);
    let stop = [
        ("From", from.as_str()),
        ("Body", "STOP"),
        ("To", "+35315550100"),
    ];

    // Each wrong part is refused before anything changes: the token, the URL (another
    // tenant's hook), a parameter changed after signing.
    let other_tenant = format!("{}/hooks/other/sms-inbound", app.url);
    let tampered = [
        ("From", from.as_str()),
        ("Body", "hello"),
        ("To", "+35315550100"),
    ];
    for (label, signed) in [
        (
            "wrong token",
            ("not-the-token", inbound_url.as_str(), &stop[..]),
        ),
        (
            "other URL",
            (TWILIO_AUTH_TOKEN, other_tenant.as_str(), &stop[..]),
        ),
        (
            "tampered body",
            (TWILIO_AUTH_TOKEN, inbound_url.as_str(), &tampered[..]),
        ),
    ] {
        let r = twilio_hook(&app, "sms-inbound", &stop, signed).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{label}: {}", r.text);
    }
    let path = format!("/customers/{customer}/messages");
    let still_open = app.post(&path, &admin(DEMO), &json!({"body": "Hi"})).await;
    assert_eq!(
        still_open.status,
        StatusCode::ACCEPTED,
        "{}",
        still_open.text
    );
    app.drain().await;

    let r = twilio_hook(
        &app,
        "sms-inbound",
        &stop,
        (TWILIO_AUTH_TOKEN, &inbound_url, &stop),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.header("content-type")
            .is_some_and(|t| t.starts_with("text/xml")),
        "Twilio gets TwiML: {:?}",
        r.headers
    );
    assert!(r.text.contains("<Response></Response>"), "{}", r.text);
    let refused = app
        .post(&path, &admin(DEMO), &json!({"body": "Hello"}))
        .await;
    refused.assert_problem(StatusCode::CONFLICT);
    assert_eq!(refused.body["conflict"], json!("opted_out"));

    // The delivery report of the text sent before the opt-out, as Twilio posts it.
    let (sid, _) = app
        .server
        .outbox
        .sent()
        .into_iter()
        .find(|(_, sms)| sms.body == "Hi")
        .expect("sent");
    let status_url = format!("{}/hooks/demo/sms-status", app.url);
    let report = [
        ("MessageSid", sid.as_str()),
        ("MessageStatus", "delivered"),
        ("AccountSid", "AC0000"),
    ];
    let r = twilio_hook(
        &app,
        "sms-status",
        &report,
        (TWILIO_AUTH_TOKEN, &status_url, &report),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], json!("delivered"));
    let r = twilio_hook(
        &app,
        "sms-status",
        &report,
        ("not-the-token", &status_url, &report),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_start_within_its_window_opts_nobody_back_in() {
    let app = App::start_fixed(true).await;
    let from = e164(crm_local::seed::DEMO_CUSTOMER_PHONE);
    let inbound = |app: &App, text: &str, header: String| {
        let rb = app
            .req(Method::POST, "/hooks/demo/sms-inbound")
            .header("content-type", "application/json")
            .header(signature::HEADER, header)
            .body(text.to_owned());
        send(rb)
    };
    // The person texts START, and a minute later STOP.
    let start = json!({"From": from, "Body": "START"}).to_string();
    let start_signed = demo_signature(&app, &start);
    let r = inbound(&app, &start, start_signed.clone()).await;
    assert_eq!(r.body["action"], json!("opted_in"), "{}", r.text);
    app.advance(chrono::Duration::minutes(1));
    let stop = json!({"From": from, "Body": "STOP"}).to_string();
    let r = inbound(&app, &stop, demo_signature(&app, &stop)).await;
    assert_eq!(r.body["action"], json!("opted_out"), "{}", r.text);
    // Someone who captured the START sends it again inside its five minutes, as it was and
    // with its header dressed differently: both are replays, and nothing changes.
    app.advance(chrono::Duration::minutes(1));
    let dressed = format!("{start_signed}, v1=00ff");
    for header in [start_signed, dressed] {
        let r = inbound(&app, &start, header).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body, json!({"replayed": true}));
    }
    let customer = demo_customer(&app).await;
    let refused = app
        .post(
            &format!("/customers/{customer}/messages"),
            &admin(DEMO),
            &json!({"body": "Hello"}),
        )
        .await;
    refused.assert_problem(StatusCode::CONFLICT);
    assert_eq!(refused.body["conflict"], json!("opted_out"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_business_texts_only_from_a_sender_the_operator_allowed() {
    let app = App::start_fixed(true).await;
    let tok = owner(DEMO);
    // Another business's number, typed into the settings: refused, naming the field.
    let r = patch_settings(&app, &tok, &json!({"sms_from": "+353870001111"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("sms_from"), "{}", r.text);
    // The operator allows it: now it may be chosen, and texts go out from it.
    crm_shared::store::senders::set(
        app.server.ctx.store.as_ref(),
        DEMO,
        &["+353870001111".to_owned()],
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let r = patch_settings(&app, &tok, &json!({"sms_from": "+353870001111"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    app.drain().await;
    let customer = demo_customer(&app).await;
    let send_text = |body: &'static str| {
        let app = &app;
        let customer = customer.clone();
        async move {
            let r = app
                .post(
                    &format!("/customers/{customer}/messages"),
                    &admin(DEMO),
                    &json!({"body": body}),
                )
                .await;
            assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
            app.drain().await;
            app.server
                .outbox
                .sent()
                .into_iter()
                .find(|(_, sms)| sms.body == body)
                .map(|(_, sms)| sms.from)
                .unwrap_or_else(|| panic!("{body} not sent"))
        }
    };
    assert_eq!(
        send_text("From the allowed number").await.as_deref(),
        Some("+353870001111")
    );
    // Taken off the list later: the provider's default sends instead.
    crm_shared::store::senders::set(app.server.ctx.store.as_ref(), DEMO, &[])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(send_text("After the sender was removed").await, None);
}

#[tokio::test]
async fn a_stop_the_provider_reports_on_a_shared_sender_opts_out_of_every_business_sharing_it() {
    let app = App::start(true).await;
    let store = app.server.ctx.store.clone();
    let shared = "+35315550100";
    for (tenant, sender) in [("bistro", shared), ("cafe", "+35315550999")] {
        let settings = crm_shared::domain::tenant::TenantSettings::new(
            tenant,
            tenant,
            "IE",
            "https://example.ie/book",
        );
        crm_shared::store::tenants::create(store.as_ref(), &settings)
            .await
            .expect("tenant");
        crm_shared::store::senders::set(store.as_ref(), tenant, &[sender.to_owned()])
            .await
            .expect("senders");
    }
    crm_shared::store::senders::set(store.as_ref(), DEMO, &[shared.to_owned()])
        .await
        .expect("senders");
    let opted_out = |tenant: &'static str, number: String| {
        let store = store.clone();
        async move {
            crm_shared::store::messages::is_opted_out(store.as_ref(), tenant, &number)
                .await
                .expect("read")
        }
    };
    let person = "+353871119990";
    let inbound_url = format!("{}/hooks/demo/sms-inbound", app.url);
    let said = |body: &'static str| [("From", person), ("Body", body), ("To", shared)];

    let stop = said("STOP");
    let r = twilio_hook(
        &app,
        "sms-inbound",
        &stop,
        (TWILIO_AUTH_TOKEN, &inbound_url, &stop),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(opted_out(DEMO, person.into()).await);
    assert!(
        opted_out("bistro", person.into()).await,
        "the business sharing the number"
    );
    assert!(
        !opted_out("cafe", person.into()).await,
        "a business with its own number is not touched"
    );

    let start = said("START");
    let r = twilio_hook(
        &app,
        "sms-inbound",
        &start,
        (TWILIO_AUTH_TOKEN, &inbound_url, &start),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(!opted_out(DEMO, person.into()).await);
    assert!(!opted_out("bistro", person.into()).await);

    // Signed with the business's own secret, a STOP is that business's only: no business
    // may opt people out of another's texts.
    let r = demo_hook(
        &app,
        "sms-inbound",
        &json!({"from": person, "body": "STOP", "to": shared}),
        true,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(opted_out(DEMO, person.into()).await);
    assert!(!opted_out("bistro", person.into()).await);

    // Removed from the shared number, a business no longer follows its STOPs.
    crm_shared::store::senders::set(store.as_ref(), "bistro", &[])
        .await
        .expect("senders");
    assert_eq!(
        crm_shared::store::senders::sharing(store.as_ref(), shared)
            .await
            .expect("sharing"),
        vec![DEMO.to_owned()]
    );
}

/// Every message of the demo business (the newest 100).
async fn all_messages(app: &App) -> Vec<Value> {
    let r = app.get("/messages?limit=100", &staff(DEMO)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["items"].as_array().cloned().unwrap_or_default()
}

/// Posts a booking fact to the demo business's signed webhook.
async fn demo_booking(app: &App, fact: &Value) {
    let body = fact.to_string();
    let r = send(
        app.req(Method::POST, "/hooks/demo/bookings")
            .header("content-type", "application/json")
            .header("x-crm-signature", demo_signature(app, &body))
            .body(body),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automatic_texts_go_to_consenting_leads_and_customers_only_once_switched_on() {
    let app = App::start(true).await;
    let consenting = |name: &str| {
        let mut body = capture_body(name, &phone());
        body["consent"] = json!(true);
        body
    };
    // Off by default: a consenting lead gets nothing by itself.
    let quiet = app.capture_ok(DEMO, &consenting("Quiet Lead")).await;
    app.server.settle_events().await;
    let on = patch_settings(
        &app,
        &owner(DEMO),
        &json!({"auto_texts": {"lead_follow_up": true, "milestone_greetings": true}}),
    )
    .await;
    assert_eq!(on.status, StatusCode::OK, "{}", on.text);
    assert_eq!(
        on.body["auto_texts"],
        json!({"lead_follow_up": true, "milestone_greetings": true})
    );
    let bad = patch_settings(
        &app,
        &owner(DEMO),
        &json!({"auto_texts": {"lead_follow_up": 5, "sms": true}}),
    )
    .await;
    bad.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_fields(&["auto_texts.lead_follow_up", "auto_texts.sms"]);

    let asked = app.capture_ok(DEMO, &consenting("Keen Lead")).await;
    let silent = app
        .capture_ok(DEMO, &capture_body("Silent Lead", &phone()))
        .await;
    app.server.settle_events().await;
    // The same lead's event delivered again (EventBridge delivers at least once) queues no
    // second text.
    let again = json!({"detail-type": "lead.captured", "source": "pipeline.crm", "detail": {
        "event_id": format!("lead.captured:{asked}"), "tenant_id": DEMO, "lead_id": asked,
        "source": "website", "created_at": app.now()}});
    for _ in 0..2 {
        crm_functions::workers::auto_texts::handle(&app.server.ctx, again.clone())
            .await
            .unwrap_or_else(|e| panic!("again: {e}"));
    }
    let messages = all_messages(&app).await;
    let to_lead = |id: &str| -> Vec<&Value> {
        messages
            .iter()
            .filter(|m| m["lead_id"] == json!(id))
            .collect()
    };
    let follow_ups = to_lead(&asked);
    assert_eq!(follow_ups.len(), 1, "{messages:?}");
    assert_eq!(follow_ups[0]["kind"], json!("follow_up"));
    assert!(
        follow_ups[0]["body"]
            .as_str()
            .is_some_and(|b| b.starts_with("Hi Keen")),
        "{}",
        follow_ups[0]
    );
    // Its booking link names the lead, so the booking it leads to converts it.
    assert!(
        follow_ups[0]["body"]
            .as_str()
            .is_some_and(|b| b.contains(&format!("?lead_id={asked}"))),
        "{}",
        follow_ups[0]
    );
    assert!(to_lead(&silent).is_empty(), "no consent, no text");
    assert!(to_lead(&quiet).is_empty(), "captured while it was off");

    // A customer who consented to marketing is greeted at their first booking; one who did
    // not is not.
    let greeted_phone = phone();
    let made = app
        .post(
            "/customers",
            &admin(DEMO),
            &json!({"name": "Greta Glad", "phone": greeted_phone, "marketing_consent": true}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let greeted = made.body["id"].as_str().unwrap_or_default().to_owned();
    let plain_phone = phone();
    let plain = app
        .post(
            "/customers",
            &admin(DEMO),
            &json!({"name": "Paul Plain", "phone": plain_phone}),
        )
        .await;
    let plain = plain.body["id"].as_str().unwrap_or_default().to_owned();
    for (booking, p) in [("AUTO-1", &greeted_phone), ("AUTO-2", &plain_phone)] {
        demo_booking(
            &app,
            &json!({"type": "BookingCreated", "booking_id": booking, "version": 1,
                "start": "2026-12-20T10:00:00Z", "customer": {"phone": p}}),
        )
        .await;
    }
    app.server.settle_events().await;
    let greetings: Vec<Value> = all_messages(&app)
        .await
        .into_iter()
        .filter(|m| m["kind"] == json!("milestone"))
        .collect();
    assert_eq!(greetings.len(), 1, "{greetings:?}");
    assert_eq!(greetings[0]["customer_id"], json!(greeted));
    assert!(greetings.iter().all(|m| m["customer_id"] != json!(plain)));
}
