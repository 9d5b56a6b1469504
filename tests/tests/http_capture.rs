//! `POST /public/{tenant}/leads` end to end (DESIGN §2.1, §3, §7): through a real socket into
//! the local server, then read back through the admin API.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_json_capture_answers_201_and_the_lead_is_readable_with_an_e164_phone() {
    let app = App::start(true).await;
    let r = app
        .capture(
            DEMO,
            &json!({
                "name": "  Ann Byrne ",
                "phone": "087 123 4567",
                "email": "Ann@Example.IE",
                "service": "Massage",
                "consent": true
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert!(
        r.content_type().starts_with("application/json"),
        "{}",
        r.content_type()
    );
    let id = r.body["lead_id"].as_str().unwrap_or_default().to_owned();
    assert!(is_ulid(&id), "lead_id should be a ULID: {}", r.text);
    // The booking page learns which lead it is (issue 20 item 2), to send it back.
    assert_eq!(
        r.body["redirect_url"],
        json!(booking_page(DEMO_REDIRECT, &id))
    );
    assert_eq!(r.body["duplicate"], json!(false));

    let lead = app.lead(&admin(DEMO), &id).await;
    assert_eq!(lead["id"], json!(id));
    assert_eq!(lead["tenant_id"], json!(DEMO));
    assert_eq!(lead["name"], json!("Ann Byrne"));
    assert_eq!(lead["phone"], json!("+353871234567"));
    assert_eq!(lead["phone_raw"], json!("087 123 4567"));
    assert_eq!(lead["email"], json!("ann@example.ie"));
    assert_eq!(lead["service"], json!("Massage"));
    assert_eq!(lead["status"], json!("new"));
    assert_eq!(lead["source"], json!("website"));
    assert_eq!(lead["version"], json!(1));
    assert_eq!(lead["consent"]["sms_marketing"], json!(true));
    assert_eq!(lead["events"], json!([]));
    assert_eq!(lead["notes"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_source_is_derived_from_fbclid_gclid_and_utm_source() {
    let app = App::start(true).await;
    let cases: [(Value, &str); 5] = [
        (json!({"fbclid": "IwAR0abc"}), "meta_ad"),
        (json!({"gclid": "Cj0KCQ"}), "google_ad"),
        (json!({"utm_source": "instagram"}), "meta_ad"),
        (
            json!({"utm_source": "google", "utm_medium": "cpc"}),
            "google_ad",
        ),
        (
            json!({"referrer": "https://l.instagram.com/?u=x"}),
            "instagram",
        ),
    ];
    for (touch, expected) in cases {
        let mut body = capture_body("Source Test", &phone());
        for (k, v) in touch.as_object().cloned().unwrap_or_default() {
            body[k] = v;
        }
        let id = app.capture_ok(DEMO, &body).await;
        let lead = app.lead(&admin(DEMO), &id).await;
        assert_eq!(
            lead["source"],
            json!(expected),
            "{touch} should give {expected}: {lead}"
        );
        if touch.get("fbclid").is_some() {
            // The click id is kept once; `fbc` is derived from it when a conversion is sent.
            assert_eq!(lead["touch"]["fbclid"], json!("IwAR0abc"));
            assert!(
                lead["touch"].get("fbc").is_none(),
                "fbc is derived, not stored"
            );
        }
    }
    // A source the form states wins over derivation.
    let mut body = capture_body("Stated", &phone());
    body["source"] = json!("referral");
    body["gclid"] = json!("g");
    let id = app.capture_ok(DEMO, &body).await;
    assert_eq!(
        app.lead(&admin(DEMO), &id).await["source"],
        json!("referral")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_post_answers_303_to_the_tenants_redirect_and_stores_the_lead() {
    let app = App::start(true).await;
    let number = phone();
    let r = send(app.req(Method::POST, "/public/demo/leads").form(&[
        ("name", "Form Person"),
        ("phone", number.as_str()),
        ("consent", "on"),
    ]))
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let location = r.header("location").unwrap_or_default();
    assert!(
        location.starts_with(&format!("{DEMO_REDIRECT}?lead_id=")),
        "{location}"
    );
    let found = app
        .list_all(&admin(DEMO), &format!("q={}", digits(&number)), 25)
        .await;
    assert_eq!(
        found.len(),
        1,
        "the form's lead should be stored once: {found:?}"
    );
    assert_eq!(found[0]["phone"], json!(e164(&number)));
    assert_eq!(found[0]["name"], json!("Form Person"));
    assert_eq!(found[0]["consent"]["sms_marketing"], json!(true));
    let lead_id = found[0]["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(location, booking_page(DEMO_REDIRECT, &lead_id));

    // The same phone again by form: the same redirect, still one lead.
    let again = send(
        app.req(Method::POST, "/public/demo/leads")
            .form(&[("name", "Form Person"), ("phone", number.as_str())]),
    )
    .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.text);
    assert_eq!(
        again.header("location"),
        Some(booking_page(DEMO_REDIRECT, &lead_id))
    );
    let found = app
        .list_all(&admin(DEMO), &format!("q={}", digits(&number)), 25)
        .await;
    assert_eq!(found.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_phone_in_another_format_within_24h_returns_the_same_lead_as_a_duplicate() {
    let app = App::start_fixed(true).await;
    let first = app
        .capture_ok(DEMO, &capture_body("Dup Person", "087 222 3333"))
        .await;
    let mut answers = Vec::new();
    for (i, variant) in [
        "+353 87 222 3333",
        "0872223333",
        "(087) 222-3333",
        "00353872223333",
    ]
    .into_iter()
    .enumerate()
    {
        app.advance(chrono::Duration::hours(5));
        let r = app
            .capture(DEMO, &capture_body(&format!("Dup {i}"), variant))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{variant}: {}", r.text);
        assert_eq!(r.body["lead_id"], json!(first), "{variant}");
        assert_eq!(r.body["duplicate"], json!(true), "{variant}");
        assert_eq!(
            r.body["redirect_url"],
            json!(booking_page(DEMO_REDIRECT, &first))
        );
        answers.push(r);
    }
    // 20 h after the first capture: still one lead, untouched by the repeats.
    let found = app.list_all(&admin(DEMO), "q=872223333", 25).await;
    assert_eq!(ids(&found), vec![first.clone()]);
    assert_eq!(found[0]["name"], json!("Dup Person"));
    app.server.settle_events().await;
    let captured: Vec<_> = app
        .server
        .bus
        .published()
        .into_iter()
        .filter(|e| e.detail_type == "lead.captured" && e.detail["lead_id"] == json!(first))
        .collect();
    assert_eq!(
        captured.len(),
        1,
        "a duplicate capture must not publish lead.captured again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_phone_after_24h_creates_a_new_lead() {
    let app = App::start_fixed(true).await;
    let first = app
        .capture_ok(DEMO, &capture_body("Day One", "087 444 5555"))
        .await;
    app.advance(chrono::Duration::hours(23) + chrono::Duration::minutes(59));
    let r = app
        .capture(DEMO, &capture_body("Day One Again", "087 444 5555"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "still within 24 h: {}", r.text);
    assert_eq!(r.body["lead_id"], json!(first));

    app.advance(chrono::Duration::minutes(2));
    let r = app
        .capture(DEMO, &capture_body("Day Two", "0874445555"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "past 24 h: {}", r.text);
    assert_eq!(r.body["duplicate"], json!(false));
    let second = r.body["lead_id"].as_str().unwrap_or_default().to_owned();
    assert_ne!(second, first);
    assert_eq!(
        app.lead(&admin(DEMO), &second).await["name"],
        json!("Day Two")
    );

    // The new lead opened a new window: a repeat now returns the second lead.
    app.advance(chrono::Duration::hours(1));
    let r = app
        .capture(DEMO, &capture_body("Day Two Again", "087 444 5555"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["lead_id"], json!(second));
    let found = app.list_all(&admin(DEMO), "q=874445555", 25).await;
    let mut got = ids(&found);
    got.sort();
    let mut want = vec![first, second];
    want.sort();
    assert_eq!(got, want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_captures_of_one_phone_create_exactly_one_lead() {
    let app = App::start(true).await;
    // Twenty from one address in a second is over the default per-client limit.
    app.lift_capture_limits(DEMO).await;
    let before = app.board(&admin(DEMO)).await["columns"][0]["count"].as_i64();
    let number = "086 777 8888";
    let mut tasks = Vec::new();
    for i in 0..20 {
        let http = app.http.clone();
        let url = format!("{}/public/demo/leads", app.url);
        // Each request formats the number its own way.
        let variant = if i % 2 == 0 {
            number.to_owned()
        } else {
            "+353867778888".to_owned()
        };
        tasks.push(tokio::spawn(async move {
            send(
                http.post(url)
                    .json(&json!({"name": format!("Racer {i}"), "phone": variant})),
            )
            .await
        }));
    }
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap_or_else(|e| panic!("task: {e}")));
    }
    let created = answers
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    let duplicates = answers
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert_eq!(
        (created, duplicates),
        (1, 19),
        "exactly one 201 and nineteen 200s: {:?}",
        answers
            .iter()
            .map(|r| (r.status, r.text.clone()))
            .collect::<Vec<_>>()
    );
    let lead_ids: std::collections::BTreeSet<_> = answers
        .iter()
        .map(|r| r.body["lead_id"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        lead_ids.len(),
        1,
        "every answer carries the same lead_id: {lead_ids:?}"
    );
    let id = lead_ids.into_iter().next().unwrap_or_default();
    assert!(is_ulid(&id));
    for r in &answers {
        let expect_dup = r.status == StatusCode::OK;
        assert_eq!(r.body["duplicate"], json!(expect_dup), "{}", r.text);
    }

    let found = app.list_all(&admin(DEMO), "q=867778888", 25).await;
    assert_eq!(
        ids(&found),
        vec![id.clone()],
        "one stored lead for the phone"
    );
    let after = app.board(&admin(DEMO)).await["columns"][0]["count"].as_i64();
    assert_eq!(
        after,
        before.map(|n| n + 1),
        "the new column grew by exactly one"
    );
    let all = app.list_all(&admin(DEMO), "", 100).await;
    assert_eq!(all.len(), DEMO_LEADS + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filled_honeypot_answers_201_but_stores_nothing() {
    let app = App::start(true).await;
    let before = ids(&app.list_all(&admin(DEMO), "", 100).await);
    app.server.settle_events().await;
    let events_before = app.server.bus.published().len();
    let number = phone();
    let mut body = capture_body("Bot", &number);
    body["website"] = json!("http://spam.example");
    let r = app.capture(DEMO, &body).await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "a bot is answered as a person: {}",
        r.text
    );
    assert_eq!(r.body["duplicate"], json!(false));
    let id = r.body["lead_id"].as_str().unwrap_or_default().to_owned();
    assert!(is_ulid(&id), "{}", r.text);
    assert_eq!(
        r.body["redirect_url"],
        json!(booking_page(DEMO_REDIRECT, &id))
    );

    app.get_lead(&admin(DEMO), &id)
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    assert_eq!(
        ids(&app.list_all(&admin(DEMO), "", 100).await),
        before,
        "the list is unchanged"
    );
    app.server.settle_events().await;
    assert_eq!(
        app.server.bus.published().len(),
        events_before,
        "nothing published"
    );

    // No claim on the phone was kept either: a person with that number is a new lead.
    let person = app.capture(DEMO, &capture_body("Person", &number)).await;
    assert_eq!(person.status, StatusCode::CREATED, "{}", person.text);
    assert_ne!(person.body["lead_id"], json!(id));

    // A form post with the honeypot filled is answered like any form post.
    let form = send(app.req(Method::POST, "/public/demo/leads").form(&[
        ("name", "Form Bot"),
        ("phone", phone().as_str()),
        ("website", "x"),
    ]))
    .await;
    assert_eq!(form.status, StatusCode::SEE_OTHER, "{}", form.text);
    assert_eq!(
        app.list_all(&admin(DEMO), "", 100).await.len(),
        before.len() + 1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_16_kb_is_refused_with_413() {
    let app = App::start(true).await;
    let before = app.list_all(&admin(DEMO), "", 100).await.len();
    let mut body = capture_body("Big", &phone());
    body["message"] = json!("x".repeat(17 * 1024));
    let r = app.capture(DEMO, &body).await;
    r.assert_problem(StatusCode::PAYLOAD_TOO_LARGE);

    // The same as a form, and a body far over the limit.
    let big = "y".repeat(20 * 1024);
    let form = send(app.req(Method::POST, "/public/demo/leads").form(&[
        ("name", "Big Form"),
        ("phone", phone().as_str()),
        ("message", big.as_str()),
    ]))
    .await;
    form.assert_problem(StatusCode::PAYLOAD_TOO_LARGE);
    let huge = app
        .req(Method::POST, "/public/demo/leads")
        .header("content-type", "application/json")
        .body(vec![b' '; 2 * 1024 * 1024]);
    send(huge)
        .await
        .assert_problem(StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        app.list_all(&admin(DEMO), "", 100).await.len(),
        before,
        "nothing stored"
    );

    // A large body under the limit, every field at its longest, is accepted.
    let mut ok = capture_body("Almost Big", &phone());
    ok["message"] = json!("m".repeat(2000));
    ok["page_url"] = json!(format!("https://example.com/{}", "p".repeat(1900)));
    ok["referrer"] = json!(format!("https://example.com/{}", "r".repeat(1900)));
    for utm in [
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_term",
        "utm_content",
    ] {
        ok[utm] = json!("u".repeat(200));
    }
    let r = app.capture(DEMO, &ok).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_tenant_is_404() {
    let app = App::start(true).await;
    let r = app
        .capture("no-such-spa", &capture_body("Ann", &phone()))
        .await;
    r.assert_problem(StatusCode::NOT_FOUND);
    let form = send(
        app.req(Method::POST, "/public/no-such-spa/leads")
            .form(&[("name", "Ann"), ("phone", phone().as_str())]),
    )
    .await;
    form.assert_problem(StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_tenant_id_is_404() {
    let app = App::start(true).await;
    for tenant in [
        "DEMO",
        "d",
        "-demo",
        "demo_spa",
        "de%20mo",
        "demo%2Fx",
        &"a".repeat(41),
    ] {
        let r = app.capture(tenant, &capture_body("Ann", &phone())).await;
        r.assert_problem(StatusCode::NOT_FOUND);
    }
    assert_eq!(app.list_all(&admin(DEMO), "", 100).await.len(), DEMO_LEADS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_fields_are_422_naming_each_field() {
    let app = App::start(true).await;
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({"phone": "087 123 4567"}), vec!["name"]),
        (
            json!({"name": "   ", "phone": "087 123 4567"}),
            vec!["name"],
        ),
        (json!({"name": "Ann"}), vec!["phone"]),
        (json!({"name": "Ann", "phone": "12"}), vec!["phone"]),
        (
            json!({"name": "Ann", "phone": "not a phone"}),
            vec!["phone"],
        ),
        (
            json!({"name": "Ann", "phone": "087 123 4567", "email": "ann@"}),
            vec!["email"],
        ),
        (
            json!({"name": "Ann", "phone": "087 123 4567", "favourite": "tea"}),
            vec!["favourite"],
        ),
        (
            json!({"name": "Ann", "phone": "087 123 4567", "source": "tv"}),
            vec!["source"],
        ),
        (
            json!({"name": "Ann", "phone": "087 123 4567", "consent": "maybe"}),
            vec!["consent"],
        ),
        (json!({"name": 5, "phone": "087 123 4567"}), vec!["name"]),
        (
            json!({"name": "Ann", "phone": "087 123 4567", "message": "m".repeat(2001)}),
            vec!["message"],
        ),
        (
            json!({"email": "bad", "phone": "12", "source": "tv", "nope": 1}),
            vec!["nope", "name", "phone", "email", "source"],
        ),
    ];
    for (body, fields) in cases {
        let r = app.capture(DEMO, &body).await;
        r.assert_fields(&fields);
        for e in r.body["errors"].as_array().cloned().unwrap_or_default() {
            assert!(
                e["reason"].as_str().is_some_and(|s| !s.is_empty()),
                "every error gives a reason: {e}"
            );
        }
    }
    // Bodies that are not an object.
    for raw in ["[1,2]", "\"hello\"", "{not json", ""] {
        let r = send(
            app.req(Method::POST, "/public/demo/leads")
                .header("content-type", "application/json")
                .body(raw),
        )
        .await;
        r.assert_fields(&["body"]);
    }
    // A form with invalid fields is a 422 too, not a redirect.
    let form = send(
        app.req(Method::POST, "/public/demo/leads")
            .form(&[("name", "Ann"), ("phone", "12")]),
    )
    .await;
    form.assert_fields(&["phone"]);
    assert_eq!(
        app.list_all(&admin(DEMO), "", 100).await.len(),
        DEMO_LEADS,
        "nothing stored"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_content_type_is_415() {
    let app = App::start(true).await;
    for ct in [
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/xml",
    ] {
        let r = send(
            app.req(Method::POST, "/public/demo/leads")
                .header("content-type", ct)
                .body(r#"{"name":"Ann","phone":"087 123 4567"}"#),
        )
        .await;
        r.assert_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
    assert_eq!(app.list_all(&admin(DEMO), "", 100).await.len(), DEMO_LEADS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_capture_publishes_lead_captured_without_personal_data() {
    let app = App::start(true).await;
    let mut body = capture_body("Event Person", "085 321 9876");
    body["email"] = json!("event@example.com");
    body["fbclid"] = json!("abc");
    let id = app.capture_ok(DEMO, &body).await;
    app.server.settle_events().await;
    let events: Vec<_> = app
        .server
        .bus
        .published()
        .into_iter()
        .filter(|e| e.detail_type == "lead.captured" && e.detail["lead_id"] == json!(id))
        .collect();
    assert_eq!(events.len(), 1, "one lead.captured for the lead");
    let d = &events[0].detail;
    assert_eq!(d["tenant_id"], json!(DEMO));
    assert_eq!(d["source"], json!("meta_ad"));
    assert_eq!(d["event_id"], json!(format!("lead.captured:{id}")));
    let text = d.to_string();
    for pii in ["853219876", "Event Person", "event@example.com"] {
        assert!(
            !text.contains(pii),
            "lead.captured must carry no personal data: {text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_of_exactly_16_kb_is_read_and_one_byte_more_is_413() {
    let app = App::start(true).await;
    let padded = |number: &str, size: usize| {
        let mut text = json!({"name": "Edge", "phone": number}).to_string();
        // JSON allows any amount of whitespace: pad the valid object to `size` bytes.
        text.push_str(&" ".repeat(size - text.len()));
        text
    };
    let at_limit = phone();
    let r = send(
        app.req(Method::POST, "/public/demo/leads")
            .header("content-type", "application/json")
            .body(padded(&at_limit, 16 * 1024)),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "16384 bytes is within the limit: {}",
        r.text
    );
    let over = send(
        app.req(Method::POST, "/public/demo/leads")
            .header("content-type", "application/json")
            .body(padded(&phone(), 16 * 1024 + 1)),
    )
    .await;
    over.assert_problem(StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_sent_with_a_charset_or_a_json_suffix_type_or_no_type_is_accepted() {
    let app = App::start(true).await;
    for ct in [
        Some("application/json; charset=utf-8"),
        Some("Application/JSON"),
        Some("application/vnd.api+json"),
        None,
    ] {
        let number = phone();
        let mut rb = app
            .req(Method::POST, "/public/demo/leads")
            .body(json!({"name": "Typed", "phone": number}).to_string());
        if let Some(ct) = ct {
            rb = rb.header("content-type", ct);
        }
        let r = send(rb).await;
        assert_eq!(r.status, StatusCode::CREATED, "{ct:?}: {}", r.text);
    }
    let r = send(
        app.req(Method::POST, "/public/demo/leads")
            .header(
                "content-type",
                "application/x-www-form-urlencoded; charset=UTF-8",
            )
            .body(format!("name=Form+Typed&phone={}", enc(&phone()))),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_phone_at_two_businesses_makes_a_lead_at_each() {
    let app = App::start(true).await;
    app.add_tenant("gym-two").await;
    let number = phone();
    let here = app.capture_ok(DEMO, &capture_body("Shared", &number)).await;
    let r = app
        .capture("gym-two", &capture_body("Shared", &number))
        .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "dedupe is per tenant: {}",
        r.text
    );
    let there = r.body["lead_id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(
        r.body["redirect_url"],
        json!(booking_page(&redirect_of("gym-two"), &there))
    );
    assert_ne!(here, there);
    assert_eq!(
        app.lead(&admin("gym-two"), &there).await["tenant_id"],
        json!("gym-two")
    );
    app.get_lead(&admin("gym-two"), &here)
        .await
        .assert_problem(StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_capture_keeps_the_touch_data_the_callers_ip_and_user_agent() {
    let app = App::start(true).await;
    let mut body = capture_body("Touched", &phone());
    for (k, v) in [
        ("utm_source", "facebook"),
        ("utm_medium", "paid_social"),
        ("utm_campaign", "november-spa"),
        ("utm_term", "massage"),
        ("utm_content", "carousel"),
        ("fbp", "fb.1.1700000000000.123"),
        ("referrer", "https://m.facebook.com/"),
        (
            "page_url",
            "https://spa.example.com/book?utm_source=facebook",
        ),
    ] {
        body[k] = json!(v);
    }
    let r = send(
        app.req(Method::POST, "/public/demo/leads")
            .header("user-agent", "Mozilla/5.0 (iPhone) test")
            .json(&body),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.body["lead_id"].as_str().unwrap_or_default().to_owned();
    let lead = app.lead(&admin(DEMO), &id).await;
    let touch = &lead["touch"];
    for k in [
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_term",
        "utm_content",
        "fbp",
        "referrer",
    ] {
        assert_eq!(touch[k], body[k], "{k}: {touch}");
    }
    // Campaign parameters are kept once, in their own fields, not again in the page URL.
    assert_eq!(
        touch["page_url"],
        json!("https://spa.example.com/book"),
        "{touch}"
    );
    assert_eq!(touch["ip"], json!("127.0.0.1"), "{touch}");
    assert_eq!(
        touch["user_agent"],
        json!("Mozilla/5.0 (iPhone) test"),
        "{touch}"
    );
    assert_eq!(lead["source"], json!("meta_ad"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_sent_to_the_public_form_is_never_stored_unescaped() {
    // DESIGN §7: "Public capture: ... no HTML stored unescaped."
    let app = App::start(true).await;
    let mut body = capture_body("<script>alert(1)</script>Ann", &phone());
    body["message"] = json!("<img src=x onerror=alert(1)> hello");
    body["service"] = json!("<b>Massage</b>");
    let r = app.capture(DEMO, &body).await;
    if r.status == StatusCode::UNPROCESSABLE_ENTITY {
        return; // refusing markup outright also keeps it out of the store
    }
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.body["lead_id"].as_str().unwrap_or_default().to_owned();
    let lead = app.lead(&admin(DEMO), &id).await;
    for field in ["name", "message", "service"] {
        let stored = lead[field].as_str().unwrap_or_default();
        assert!(
            !stored.contains('<') && !stored.contains('>'),
            "{field} was stored with raw markup: {stored:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_from_one_address_is_answered_429_with_retry_after_while_another_tenant_still_captures(
) {
    let app = App::start_fixed(true).await;
    app.add_tenant("bistro").await;
    let limits = json!({"capture_limits": {"per_minute": 50, "per_client_per_minute": 3}});
    let r = app
        .call(
            Method::PATCH,
            "/settings",
            Some(&owner(DEMO)),
            Some(&limits),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.body["capture_limits"],
        json!({"per_minute": 50, "per_client_per_minute": 3})
    );
    let lead = |i: u32| json!({"name": format!("Flood {i}"), "phone": format!("+35386555{i:04}")});
    for i in 0..3 {
        app.capture_ok(DEMO, &lead(i)).await;
    }
    let before = app.list_all(&admin(DEMO), "", 100).await.len();
    let r = app.capture(DEMO, &lead(3)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    assert!(
        r.content_type().starts_with("application/problem+json"),
        "{}",
        r.content_type()
    );
    let retry_after: u64 = r
        .headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!(
        (1..=60).contains(&retry_after),
        "Retry-After: {retry_after}"
    );
    assert_eq!(
        app.list_all(&admin(DEMO), "", 100).await.len(),
        before,
        "the refused capture kept nothing"
    );
    // Another business's form is not held back by this one's flood.
    app.capture_ok("bistro", &lead(4)).await;
    // And after the minute the same address captures again, the refused phone too: a new
    // lead, not a duplicate of one that was never kept.
    app.advance(chrono::Duration::seconds(60));
    app.capture_ok(DEMO, &lead(5)).await;
    let r = app.capture(DEMO, &lead(3)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["duplicate"], json!(false), "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capture_limits_and_sms_guards_out_of_range_are_422_naming_the_field() {
    let app = App::start(true).await;
    let bad =
        json!({"capture_limits": {"per_minute": 0, "per_client_per_minute": 2000000, "burst": 1}});
    let r = app
        .call(Method::PATCH, "/settings", Some(&owner(DEMO)), Some(&bad))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    for field in [
        "capture_limits.per_minute",
        "capture_limits.per_client_per_minute",
        "capture_limits.burst",
    ] {
        assert!(r.text.contains(field), "{field} not named: {}", r.text);
    }
    let bad = json!({"sms_countries": ["IE", "XX"], "sms_limits": {"per_number_per_day": 0, "per_day": 100001}});
    let r = app
        .call(Method::PATCH, "/settings", Some(&owner(DEMO)), Some(&bad))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    for field in [
        "sms_countries",
        "sms_limits.per_number_per_day",
        "sms_limits.per_day",
    ] {
        assert!(r.text.contains(field), "{field} not named: {}", r.text);
    }
}
