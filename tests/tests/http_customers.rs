//! Booking facts over the signed webhook and the local bus, and the customer they make,
//! through real sockets of crm-local.

mod common;

use common::*;
use crm_shared::domain::tenant::TenantSettings;
use crm_shared::http::signature;
use crm_shared::ports::bus::Envelope;
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
    // The booking comes later than the capture (on a fixed clock, the same millisecond would
    // leave their order on the timeline to the ids' random bits).
    app.advance(chrono::Duration::minutes(30));

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

    // The exact signed request again is a replay: nothing done, said so.
    let replay = hook(&app, "spa", &fact("BookingCreated", "B-1", 1, &national)).await;
    assert_eq!(replay.status, StatusCode::OK, "{}", replay.text);
    assert_eq!(replay.body, json!({"replayed": true}));
    // The booking system sending the fact again (signed anew) is told it was applied before.
    app.advance(chrono::Duration::seconds(1));
    let again = hook(&app, "spa", &fact("BookingCreated", "B-1", 1, &national)).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(
        again.body["applied"],
        json!(false),
        "a repeated fact changes nothing"
    );
    assert_eq!(again.body["customer_id"], json!(customer_id));

    app.advance(chrono::Duration::minutes(5));
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
    let timeline = app
        .get(
            &format!("/customers/{customer_id}/timeline?type=lead,status"),
            &token,
        )
        .await;
    let texts: Vec<&str> = timeline.body["entries"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["text"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        texts,
        [
            "Lead booked → won",
            "Lead new → booked",
            "Lead captured from meta_ad"
        ],
        "the lead's history is on the customer's timeline, newest first"
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
    // An unknown business answers exactly as a known one with a wrong signature does, so the
    // hooks cannot be used to find out which businesses exist.
    let unknown = post_hook(&app, "nobody", &body, Some(good.clone())).await;
    unknown.assert_problem(StatusCode::UNAUTHORIZED);
    let wrong = signature::sign(b"not-the-secret", now, body.as_bytes());
    let known_wrong = post_hook(&app, "spa", &body, Some(wrong)).await;
    assert_eq!(unknown.text, known_wrong.text);
    assert_eq!(unconfigured.text, known_wrong.text);
    let badly_named = post_hook(&app, "No_Such..Tenant", &body, Some(good)).await;
    assert_eq!(
        (badly_named.status, badly_named.text),
        (known_wrong.status, known_wrong.text)
    );
    // Nothing was stored by any of them.
    let owner = crm_shared::store::keys::phone_owner_key("spa", &e164(&phone()));
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
        .put(vec![Envelope {
            detail_type: "BookingCreated".into(),
            source: crm_shared::ports::bus::BOOKING_SOURCE.into(),
            detail,
        }])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let owner_key = crm_shared::store::keys::phone_owner_key("spa", &e164(&national));
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

/// Creates a customer over the API; its JSON.
async fn create(app: &App, tenant: &str, body: Value) -> Value {
    let r = app.post("/customers", &admin(tenant), &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body
}

/// Applies completed, paid visits to a customer (by phone) through the signed webhook.
async fn visits(
    app: &App,
    tenant: &str,
    phone: &str,
    prefix: &str,
    amounts: &[i64],
    no_shows: usize,
) {
    for (i, amount) in amounts.iter().enumerate() {
        let mut f = fact("BookingCompleted", &format!("{prefix}-v{i}"), 1, phone);
        f["amount"] = json!(amount);
        f["paid"] = json!(true);
        f["start"] = json!(format!("2026-10-{:02}T10:00:00Z", i + 1));
        let r = hook(app, tenant, &f).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    for i in 0..no_shows {
        let r = hook(
            app,
            tenant,
            &fact("BookingNoShow", &format!("{prefix}-n{i}"), 1, phone),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
}

fn names(page: &Value) -> Vec<String> {
    page["customers"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lists_sort_by_every_key_both_ways_page_and_filter() {
    let app = App::start_fixed(false).await;
    hook_tenant(&app, "spa").await;
    hook_tenant(&app, "rival").await;
    let people = [
        ("Zoe Quinn", vec![20000, 20000, 20000], 0),
        ("Adam Burke", vec![5000], 2),
        ("Maeve Ryan", vec![9000, 9000], 1),
    ];
    for (name, amounts, no_shows) in &people {
        let p = phone();
        create(&app, "spa", json!({"name": name, "phone": p})).await;
        visits(&app, "spa", &p, name, amounts, *no_shows).await;
    }
    create(&app, "spa", json!({"name": "Bella Lead", "phone": phone()})).await;
    create(
        &app,
        "rival",
        json!({"name": "Rival Customer", "phone": phone()}),
    )
    .await;
    let tok = staff("spa");
    let get = |q: String| {
        let app = &app;
        let tok = tok.clone();
        async move {
            let r = app.get(&format!("/customers?{q}"), &tok).await;
            assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.text);
            r.body
        }
    };
    assert_eq!(
        names(&get("sort=ltv".into()).await),
        ["Zoe Quinn", "Maeve Ryan", "Adam Burke", "Bella Lead"]
    );
    assert_eq!(
        names(&get("sort=ltv&order=asc".into()).await),
        ["Bella Lead", "Adam Burke", "Maeve Ryan", "Zoe Quinn"]
    );
    assert_eq!(
        names(&get("sort=visits".into()).await)[..3],
        ["Zoe Quinn", "Maeve Ryan", "Adam Burke"]
    );
    assert_eq!(
        names(&get("sort=no_shows".into()).await)[..2],
        ["Adam Burke", "Maeve Ryan"]
    );
    assert_eq!(names(&get("sort=points".into()).await)[0], "Zoe Quinn");
    assert_eq!(
        names(&get("sort=name".into()).await),
        ["Adam Burke", "Bella Lead", "Maeve Ryan", "Zoe Quinn"]
    );
    assert_eq!(
        names(&get("sort=created".into()).await),
        ["Bella Lead", "Maeve Ryan", "Adam Burke", "Zoe Quinn"],
        "newest first; the rival tenant's customer never shows"
    );
    assert_eq!(
        names(&get("sort=last_visit&order=asc".into()).await)[0],
        "Bella Lead"
    );
    // Pages: two of two, then the rest, each customer once.
    let first = get("sort=name&limit=2".into()).await;
    assert_eq!(names(&first), ["Adam Burke", "Bella Lead"]);
    let cursor = first["next_cursor"].as_str().unwrap_or_default().to_owned();
    let second = get(format!("sort=name&limit=2&cursor={}", enc(&cursor))).await;
    assert_eq!(names(&second), ["Maeve Ryan", "Zoe Quinn"]);
    // A cursor of one order is refused by another.
    let r = app
        .get(
            &format!("/customers?sort=ltv&cursor={}", enc(&cursor)),
            &tok,
        )
        .await;
    r.assert_fields(&["cursor"]);
    // Filters.
    assert_eq!(names(&get("segment=lead".into()).await), ["Bella Lead"]);
    assert_eq!(
        names(&get("sort=ltv&segment=active".into()).await),
        ["Zoe Quinn", "Maeve Ryan", "Adam Burke"]
    );
    assert_eq!(names(&get("tag=vip".into()).await), Vec::<String>::new());
    assert_eq!(
        names(&get("stage=retention&sort=name".into()).await),
        ["Maeve Ryan", "Zoe Quinn"]
    );
    // Bad parameters are each named.
    app.get(
        "/customers?sort=height&order=up&segment=gold&at_risk=maybe",
        &tok,
    )
    .await
    .assert_fields(&["sort", "order", "segment", "at_risk"]);
    app.get("/customers?colour=red", &tok)
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn search_finds_name_words_emails_and_phone_digits_within_the_tenant() {
    let app = App::start_fixed(false).await;
    hook_tenant(&app, "spa").await;
    hook_tenant(&app, "rival").await;
    let national = phone();
    create(
        &app,
        "spa",
        json!({"name": "Siobhán O'Brien", "phone": national, "email": "shiv@example.ie"}),
    )
    .await;
    create(
        &app,
        "spa",
        json!({"name": "Brian Walsh", "phone": phone()}),
    )
    .await;
    create(
        &app,
        "rival",
        json!({"name": "Siobhan Rival", "phone": phone()}),
    )
    .await;
    let tok = staff("spa");
    let search = |q: &str| {
        let app = &app;
        let tok = tok.clone();
        let q = q.to_owned();
        async move {
            let r = app.get(&format!("/customers?q={}", enc(&q)), &tok).await;
            assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.text);
            let mut n = names(&r.body);
            n.sort();
            n
        }
    };
    let digits = digits(&national);
    assert_eq!(search("siob").await, ["Siobhán O'Brien"]);
    assert_eq!(
        search("obri").await,
        ["Siobhán O'Brien"],
        "without the apostrophe"
    );
    assert_eq!(search("bri").await, ["Brian Walsh", "Siobhán O'Brien"]);
    assert_eq!(
        search("bri wal").await,
        ["Brian Walsh"],
        "every word must match"
    );
    assert_eq!(search("shiv@ex").await, ["Siobhán O'Brien"]);
    assert_eq!(
        search(&digits[digits.len() - 4..]).await,
        ["Siobhán O'Brien"],
        "last four"
    );
    assert_eq!(search(&national).await, ["Siobhán O'Brien"], "as typed");
    assert_eq!(
        search(&format!("+353 {}", &digits[1..])).await,
        ["Siobhán O'Brien"]
    );
    assert_eq!(
        search("rival").await,
        Vec::<String>::new(),
        "other tenants never match"
    );
    app.get("/customers?q=s", &tok).await.assert_fields(&["q"]);
    app.get("/customers?q=siob&sort=ltv", &tok)
        .await
        .assert_fields(&["sort"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn create_conflicts_edit_needs_the_current_version_and_contacts_move_with_it() {
    let app = App::start_fixed(false).await;
    hook_tenant(&app, "spa").await;
    let tok = admin("spa");
    let (p1, p2) = (phone(), phone());
    let ann = create(
        &app,
        "spa",
        json!({"name": "Ann", "phone": p1, "email": "ann@x.ie", "tags": ["Bride"]}),
    )
    .await;
    let id = ann["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(ann["tags"], json!(["bride"]));
    let dup = app
        .post("/customers", &tok, &json!({"name": "Ann 2", "phone": p1}))
        .await;
    dup.assert_problem(StatusCode::CONFLICT);
    assert_eq!(dup.body["existing_id"], json!(id));
    assert_eq!(dup.body["conflict"], json!("phone"));
    let dup = app
        .post(
            "/customers",
            &tok,
            &json!({"name": "Ann 3", "email": "ANN@x.ie"}),
        )
        .await;
    assert_eq!(dup.body["conflict"], json!("email"), "{}", dup.text);
    app.post("/customers", &tok, &json!({"phone": "12"}))
        .await
        .assert_fields(&["name", "phone"]);

    let path = format!("/customers/{id}");
    let patch = |if_match: &str, body: Value| {
        app.req(Method::PATCH, &path)
            .bearer_auth(&tok)
            .header("if-match", if_match)
            .json(&body)
    };
    let moved = send(patch(
        "\"1\"",
        json!({"phones": [p2], "company": "Ann's Events"}),
    ))
    .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    assert_eq!(moved.etag().as_deref(), Some("\"2\""));
    let stale = send(patch("\"1\"", json!({"company": "Late"}))).await;
    stale.assert_problem(StatusCode::PRECONDITION_FAILED);
    assert_eq!(stale.body["current_version"], json!(2));
    // The old phone is free again, the new one is Ann's.
    create(&app, "spa", json!({"name": "New Owner", "phone": p1})).await;
    let taken = app
        .post("/customers", &tok, &json!({"name": "X", "phone": p2}))
        .await;
    assert_eq!(taken.body["existing_id"], json!(id));
    let found = app
        .get(&format!("/customers?q={}", digits(&p2)), &tok)
        .await;
    assert_eq!(names(&found.body), ["Ann"]);
    let gone = app
        .get(&format!("/customers?q={}", digits(&p1)), &tok)
        .await;
    assert_eq!(names(&gone.body), ["New Owner"]);
    app.req(Method::PATCH, &path)
        .bearer_auth(&tok)
        .json(&json!({"name": null, "date_of_birth": "30/04/1990"}))
        .send()
        .await
        .map(|r| assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY))
        .unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tags_notes_and_the_timeline() {
    let app = App::start_fixed(false).await;
    hook_tenant(&app, "spa").await;
    let tok = staff("spa");
    let p = phone();
    let c = create(&app, "spa", json!({"name": "Tara", "phone": p})).await;
    let id = c["id"].as_str().unwrap_or_default().to_owned();
    visits(&app, "spa", &p, "tara", &[120000], 0).await;
    let tagged = app
        .post(
            &format!("/customers/{id}/tags/Regular"),
            &admin("spa"),
            &json!({}),
        )
        .await;
    assert_eq!(tagged.body["tags"], json!(["regular"]), "{}", tagged.text);
    // A later fact recomputes the automatic tags and leaves the manual one alone.
    visits(&app, "spa", &p, "tara2", &[1000], 0).await;
    let detail = app.get(&format!("/customers/{id}"), &tok).await;
    assert_eq!(detail.body["customer"]["tags"], json!(["regular"]));
    assert!(detail.body["customer"]["auto_tags"]
        .as_array()
        .is_some_and(|t| t.contains(&json!("vip"))));

    let note = app
        .post(
            &format!("/customers/{id}/notes"),
            &tok,
            &json!({"body": "Allergic to almond oil"}),
        )
        .await;
    assert_eq!(note.status, StatusCode::CREATED, "{}", note.text);
    assert_eq!(
        note.body["author"],
        json!("staff-1"),
        "the author is the token's sub"
    );
    let note_id = note.body["id"].as_str().unwrap_or_default().to_owned();
    app.advance(chrono::Duration::hours(1));
    let edited = app
        .call(
            Method::PATCH,
            &format!("/customers/{id}/notes/{note_id}"),
            Some(&tok),
            Some(&json!({"body": "Allergic to almond and nut oils"})),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);
    assert!(edited.body["edited_at"].as_str() > note.body["created_at"].as_str());

    let tl = app.get(&format!("/customers/{id}/timeline"), &tok).await;
    assert_eq!(tl.status, StatusCode::OK, "{}", tl.text);
    let kinds: Vec<&str> = tl.body["entries"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["type"].as_str()).collect())
        .unwrap_or_default();
    for k in ["created", "booking", "milestone", "tag", "note"] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    let day = &tl.body["days"][0];
    assert!(
        day["date"].is_string() && day["counts"].is_object(),
        "{day}"
    );
    let notes = app
        .get(&format!("/customers/{id}/timeline?type=note,tag"), &tok)
        .await;
    let only: Vec<&str> = notes.body["entries"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["type"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        only,
        ["note", "tag", "tag"],
        "newest first: the note, the manual tag, then the auto tag the booking gave"
    );
    assert_eq!(notes.body["entries"][2]["data"]["auto"], json!(true));
    let hits = app
        .get(&format!("/customers/{id}/timeline?q=ALMOND"), &tok)
        .await;
    assert_eq!(
        hits.body["entries"].as_array().map(Vec::len),
        Some(1),
        "{}",
        hits.text
    );
    let page = app
        .get(&format!("/customers/{id}/timeline?limit=2"), &tok)
        .await;
    let next = page.body["next_cursor"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let rest = app
        .get(
            &format!("/customers/{id}/timeline?limit=100&cursor={}", enc(&next)),
            &tok,
        )
        .await;
    assert_eq!(
        rest.body["entries"].as_array().map(Vec::len).unwrap_or(0) + 2,
        kinds.len(),
        "two pages hold every entry once"
    );
    let csv = app
        .get(&format!("/customers/{id}/timeline?format=csv"), &tok)
        .await;
    assert!(
        csv.content_type().starts_with("text/csv"),
        "{}",
        csv.content_type()
    );
    assert!(csv.text.starts_with("at,type,text,id\n"), "{}", csv.text);
    assert_eq!(csv.text.lines().count(), kinds.len() + 1);
    assert!(
        csv.text.contains("\"Allergic to almond and nut oils\"")
            || csv.text.contains("Allergic to almond and nut oils")
    );
    app.get(&format!("/customers/{id}/timeline?type=gossip"), &tok)
        .await
        .assert_fields(&["type"]);

    let deleted = app
        .call(
            Method::DELETE,
            &format!("/customers/{id}/notes/{note_id}"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
    app.call(
        Method::DELETE,
        &format!("/customers/{id}/notes/{note_id}"),
        Some(&tok),
        None,
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND);
    let untag = app
        .call(
            Method::DELETE,
            &format!("/customers/{id}/tags/regular"),
            Some(&admin("spa")),
            None,
        )
        .await;
    assert_eq!(untag.body["tags"], json!([]), "{}", untag.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deleting_a_customer_removes_every_item_of_theirs() {
    let app = App::start_fixed(false).await;
    hook_tenant(&app, "spa").await;
    let p = phone();
    let c = create(
        &app,
        "spa",
        json!({"name": "Una Gone", "phone": p, "email": "una@x.ie"}),
    )
    .await;
    let id = c["id"].as_str().unwrap_or_default().to_owned();
    visits(&app, "spa", &p, "una", &[5000], 1).await;
    app.post(
        &format!("/customers/{id}/notes"),
        &staff("spa"),
        &json!({"body": "n"}),
    )
    .await;
    let r = app
        .call(
            Method::DELETE,
            &format!("/customers/{id}"),
            Some(&owner("spa")),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    app.get(&format!("/customers/{id}"), &owner("spa"))
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    // Nothing of theirs is left anywhere in the table.
    let keys = app
        .server
        .store
        .all_keys()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let dump: Vec<String> = keys.iter().map(|k| format!("{} {}", k.pk, k.sk)).collect();
    let theirs: Vec<&String> = dump
        .iter()
        .filter(|k| k.contains(&id) || k.contains("una@x.ie") || k.contains("una-"))
        .collect();
    assert!(theirs.is_empty(), "left behind: {theirs:?} (customer {id})");
    // Their phone, email and booking ids are free: a new customer can have them.
    create(
        &app,
        "spa",
        json!({"name": "Una Again", "phone": p, "email": "una@x.ie"}),
    )
    .await;
    let again = hook(&app, "spa", &fact("BookingCreated", "una-v0", 2, &p)).await;
    assert_eq!(again.body["applied"], json!(true), "{}", again.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn converting_a_lead_creates_the_customer_or_links_the_existing_one() {
    let app = App::start_fixed(false).await;
    hook_tenant(&app, "spa").await;
    let tok = admin("spa");
    let national = phone();
    let mut body = capture_body("Lia Lead", &national);
    body["gclid"] = json!("Cj0KCQiA");
    body["email"] = json!("lia@example.ie");
    let lead = app.capture_ok("spa", &body).await;
    let first = app
        .post(&format!("/leads/{lead}/convert"), &tok, &json!({}))
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let customer = first.body["customer"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        first.body["customer"]["source"],
        json!("google_ad"),
        "first touch from the lead"
    );
    let again = app
        .post(&format!("/leads/{lead}/convert"), &tok, &json!({}))
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(again.body["customer"]["id"], json!(customer));
    let lead_now = app.lead(&tok, &lead).await;
    assert_eq!(lead_now["customer_id"], json!(customer));
    app.post(
        &format!("/leads/{}/convert", "01JDEMEVNT0000000000000009"),
        &tok,
        &json!({}),
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND);
}

/// An export's response: its header row, its rows, and the cursor for the rest.
struct Export {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    next: Option<String>,
}

impl Export {
    fn column(&self, name: &str) -> Vec<String> {
        let i = self
            .header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", self.header));
        self.rows.iter().map(|r| r[i].clone()).collect()
    }

    fn row_of(&self, name: &str) -> std::collections::HashMap<String, String> {
        let names = self.column("name");
        let at = names
            .iter()
            .position(|n| n == name)
            .unwrap_or_else(|| panic!("{name} not in {names:?}"));
        self.header
            .iter()
            .cloned()
            .zip(self.rows[at].iter().cloned())
            .collect()
    }
}

async fn export(app: &App, token: &str, query: &str) -> Export {
    let r = app
        .get(&format!("/exports/customers.csv?{query}"), token)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.text);
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("text/csv; charset=utf-8")
    );
    assert!(r
        .header("content-disposition")
        .is_some_and(|d| d.starts_with("attachment; filename=\"customers-")));
    let mut reader = csv::Reader::from_reader(r.text.as_bytes());
    let header = reader
        .headers()
        .map(|h| h.iter().map(str::to_owned).collect())
        .unwrap_or_else(|e| panic!("header: {e}"));
    let rows = reader
        .records()
        .map(|rec| {
            rec.map(|rec| rec.iter().map(str::to_owned).collect())
                .unwrap_or_else(|e| panic!("row: {e}"))
        })
        .collect();
    Export {
        header,
        rows,
        next: r.header("x-next-cursor"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_customer_export_is_the_admins_csv_of_the_list_in_pages_with_safe_cells() {
    let app = App::start_fixed(false).await;
    hook_tenant(&app, "spa").await;
    hook_tenant(&app, "rival").await;
    let zoe = phone();
    create(
        &app,
        "spa",
        json!({"name": "Zoe Quinn", "phone": zoe, "email": "zoe@example.ie"}),
    )
    .await;
    visits(&app, "spa", &zoe, "zoe", &[20000, 20050], 0).await;
    let adam = phone();
    create(&app, "spa", json!({"name": "Adam Burke", "phone": adam})).await;
    visits(&app, "spa", &adam, "adam", &[5000], 2).await;
    let formula = "=HYPERLINK(\"http://evil.example\",\"Click\")";
    let sneaky = create(&app, "spa", json!({"name": formula, "phone": phone()})).await;
    let tagged = create(&app, "spa", json!({"name": "Bella Lead", "phone": phone()})).await;
    let id = tagged["id"].as_str().unwrap_or_default();
    let r = app
        .post(
            &format!("/customers/{id}/tags/vip"),
            &admin("spa"),
            &json!({}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    create(
        &app,
        "rival",
        json!({"name": "Rival Customer", "phone": phone()}),
    )
    .await;

    let all = export(&app, &owner("spa"), "sort=ltv").await;
    assert_eq!(
        all.header,
        crm_functions::routes::customers::export::COLUMNS
    );
    assert_eq!(
        all.rows.len(),
        4,
        "every customer of the tenant, no other's"
    );
    assert_eq!(all.column("name")[..2], ["Zoe Quinn", "Adam Burke"]);
    assert_eq!(all.next, None);
    let z = all.row_of("Zoe Quinn");
    assert_eq!(z["lifetime_value"], "400.50", "money in major units, exact");
    assert_eq!(z["currency"], "EUR");
    assert_eq!(z["visits"], "2");
    assert_eq!(z["phone"], e164(&zoe), "E.164, as stored");
    assert_eq!(z["email"], "zoe@example.ie");
    assert_eq!(z["segment"], "active");
    let a = all.row_of("Adam Burke");
    assert_eq!((a["no_shows"].as_str(), a["visits"].as_str()), ("2", "1"));
    assert_eq!(all.row_of("Bella Lead")["tags"], "vip");
    // A name that is a formula is text in a spreadsheet.
    let names = all.column("name");
    assert!(names.contains(&format!("'{formula}")), "{names:?}");
    assert!(!names.contains(&formula.to_owned()));
    assert!(all
        .column("id")
        .contains(&sneaky["id"].as_str().unwrap_or_default().to_owned()));

    // The list's filters and orders.
    let leads = export(&app, &admin("spa"), "segment=lead&sort=name").await;
    assert_eq!(leads.column("name").len(), 2, "{:?}", leads.column("name"));
    let vip = export(&app, &admin("spa"), "tag=vip").await;
    assert_eq!(vip.column("name"), ["Bella Lead"]);

    // In pages: two, then the rest, each customer once.
    let first = export(&app, &owner("spa"), "sort=name&limit=2").await;
    assert_eq!(first.rows.len(), 2);
    let cursor = first.next.clone().unwrap_or_else(|| panic!("more remain"));
    let rest = export(
        &app,
        &owner("spa"),
        &format!("sort=name&limit=2&cursor={}", enc(&cursor)),
    )
    .await;
    let mut ids = first.column("id");
    ids.extend(rest.column("id"));
    let mut want = all.column("id");
    want.sort();
    ids.sort();
    assert_eq!(ids, want);

    // Owner and admin only; each tenant its own; bad parameters named.
    app.get("/exports/customers.csv", &staff("spa"))
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    let rival = export(&app, &owner("rival"), "").await;
    assert_eq!(rival.column("name"), ["Rival Customer"]);
    app.get(
        "/exports/customers.csv?sort=height&segment=gold",
        &owner("spa"),
    )
    .await
    .assert_fields(&["sort", "segment"]);
    app.get("/exports/customers.csv?limit=5001", &owner("spa"))
        .await
        .assert_fields(&["limit"]);
    app.get("/exports/customers.csv?q=zoe", &owner("spa"))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
}

/// Redeems `points` for `reason` on the customer as staff, with `if_match` if given.
async fn redeem(app: &App, id: &str, body: &Value, if_match: Option<&str>) -> Resp {
    let mut rb = app
        .req(Method::POST, &format!("/customers/{id}/points/redeem"))
        .bearer_auth(staff("spa"))
        .json(body);
    if let Some(v) = if_match {
        rb = rb.header("if-match", v);
    }
    send(rb).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn loyalty_points_are_redeemed_never_below_zero_and_tiers_are_kept_with_their_dates() {
    let app = App::start_fixed(false).await;
    hook_tenant(&app, "spa").await;
    app.add_tenant("other").await;
    let p = phone();
    let c = create(&app, "spa", json!({"name": "Nora", "phone": p})).await;
    let id = c["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(c["tier_history"][0]["tier"], json!("bronze"), "{c}");
    // 600.00 paid over two visits: 600 points, silver (500), and high value (500.00).
    visits(&app, "spa", &p, "nora", &[30_000, 30_000], 0).await;
    let detail = app.get(&format!("/customers/{id}"), &staff("spa")).await;
    let customer = &detail.body["customer"];
    assert_eq!(customer["points"], json!(600), "{customer}");
    assert_eq!(customer["points_available"], json!(600));
    assert_eq!(customer["points_redeemed"], json!(0));
    assert_eq!(customer["tier"], json!("silver"));
    let tiers: Vec<&Value> = customer["tier_history"]
        .as_array()
        .map(|h| h.iter().map(|t| &t["tier"]).collect())
        .unwrap_or_default();
    assert_eq!(tiers, [&json!("bronze"), &json!("silver")], "{customer}");
    assert!(customer["tier_history"][1]["at"].is_string());
    let milestones = customer["milestones"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(milestones.contains(&json!("tier_silver")), "{milestones:?}");
    assert!(!milestones.contains(&json!("tier_gold")), "{milestones:?}");

    // A customer stored before points could be redeemed (no points_available) reads with
    // what they earned available.
    let store = app.server.ctx.store.as_ref();
    let key = crm_shared::store::keys::customer_key("spa", &id);
    let mut old = store
        .get(&key)
        .await
        .ok()
        .flatten()
        .expect("stored customer");
    old.remove("points_available");
    old.remove("points_redeemed");
    store
        .write(crm_shared::ports::store::Write::put(old))
        .await
        .expect("put back");
    let before = app.get(&format!("/customers/{id}"), &staff("spa")).await;
    assert_eq!(
        before.body["customer"]["points_available"],
        json!(600),
        "{}",
        before.text
    );

    // Staff redeem 250: 350 left, on the timeline with the reason.
    let spent = redeem(
        &app,
        &id,
        &json!({"points": 250, "reason": "Free blow-dry"}),
        None,
    )
    .await;
    assert_eq!(spent.status, StatusCode::OK, "{}", spent.text);
    assert_eq!(spent.body["points_redeemed"], json!(250));
    assert_eq!(spent.body["points_available"], json!(350));
    assert_eq!(
        spent.body["points"],
        json!(600),
        "earned points are not touched"
    );
    let version = spent.etag().unwrap_or_default();
    // More than is left: 409 naming what is available, nothing spent.
    let over = redeem(
        &app,
        &id,
        &json!({"points": 351, "reason": "Spa day"}),
        None,
    )
    .await;
    over.assert_problem(StatusCode::CONFLICT);
    assert_eq!(over.body["available"], json!(350), "{}", over.text);
    assert_eq!(over.body["conflict"], json!("points"));
    // A retried request carrying the version it was decided on cannot spend twice.
    let first = redeem(
        &app,
        &id,
        &json!({"points": 50, "reason": "Hand cream"}),
        Some(&version),
    )
    .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let retried = redeem(
        &app,
        &id,
        &json!({"points": 50, "reason": "Hand cream"}),
        Some(&version),
    )
    .await;
    retried.assert_problem(StatusCode::PRECONDITION_FAILED);
    // Bad input is 422 naming each field.
    for (body, fields) in [
        (json!({"points": 0, "reason": "x"}), vec!["points"]),
        (json!({"points": "ten", "reason": "x"}), vec!["points"]),
        (json!({"points": 1.5, "reason": "x"}), vec!["points"]),
        (json!({"points": 10}), vec!["reason"]),
        (json!({"reason": "x", "extra": 1}), vec!["points", "extra"]),
    ] {
        let r = redeem(&app, &id, &body, None).await;
        r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
        r.assert_fields(&fields);
    }
    let after = app.get(&format!("/customers/{id}"), &staff("spa")).await;
    assert_eq!(after.body["customer"]["points_available"], json!(300));
    assert_eq!(after.body["customer"]["points_redeemed"], json!(300));
    let tl = app
        .get(
            &format!("/customers/{id}/timeline?type=points"),
            &staff("spa"),
        )
        .await;
    assert_eq!(tl.status, StatusCode::OK, "{}", tl.text);
    let texts: Vec<&str> = tl.body["entries"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["text"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        texts,
        [
            "50 points redeemed: Hand cream",
            "250 points redeemed: Free blow-dry"
        ]
    );
    let tiers = app
        .get(
            &format!("/customers/{id}/timeline?type=tier"),
            &staff("spa"),
        )
        .await;
    assert_eq!(
        tiers.body["entries"][0]["text"],
        json!("Tier Bronze → Silver"),
        "{}",
        tiers.text
    );

    // More visits: gold (2,000 points), its milestone, and the points redeemed stay spent.
    visits(&app, "spa", &p, "nora2", &[150_000], 0).await;
    let gold = app.get(&format!("/customers/{id}"), &staff("spa")).await;
    let customer = &gold.body["customer"];
    assert_eq!(customer["tier"], json!("gold"), "{customer}");
    assert_eq!(customer["points"], json!(2_100));
    assert_eq!(customer["points_available"], json!(1_800));
    assert_eq!(customer["tier_history"].as_array().map(Vec::len), Some(3));
    assert!(customer["milestones"]
        .as_array()
        .is_some_and(|m| m.contains(&json!("tier_gold"))));

    // Another business's token finds no such customer.
    let foreign = app
        .req(Method::POST, &format!("/customers/{id}/points/redeem"))
        .bearer_auth(staff("other"))
        .json(&json!({"points": 1, "reason": "x"}));
    send(foreign).await.assert_problem(StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn spend_and_visit_milestones_follow_the_businesss_own_thresholds() {
    let app = App::start_fixed(false).await;
    hook_tenant(&app, "spa").await;
    let bad = app
        .call(
            Method::PATCH,
            "/settings",
            Some(&owner("spa")),
            Some(&json!({"thresholds": {"visit_milestones": [5, 3, 9], "high_value_spend": -1}})),
        )
        .await;
    bad.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let set = app
        .call(
            Method::PATCH,
            "/settings",
            Some(&owner("spa")),
            Some(
                &json!({"thresholds": {"visit_milestones": [2, 4, 6], "high_value_spend": 10_000}}),
            ),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    assert_eq!(set.body["thresholds"]["visit_milestones"], json!([2, 4, 6]));
    let p = phone();
    let c = create(&app, "spa", json!({"name": "Orla", "phone": p})).await;
    let id = c["id"].as_str().unwrap_or_default().to_owned();
    visits(&app, "spa", &p, "orla", &[6_000, 6_000], 0).await;
    let detail = app.get(&format!("/customers/{id}"), &staff("spa")).await;
    let milestones = detail.body["customer"]["milestones"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    // Two visits and 120.00: the first visit milestone and high value, under these thresholds.
    assert!(milestones.contains(&json!("visits10")), "{milestones:?}");
    assert!(milestones.contains(&json!("high_value")), "{milestones:?}");
    assert!(!milestones.contains(&json!("visits25")), "{milestones:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_returning_prospect_keeps_the_first_touch_and_the_last_goes_on_the_lead_and_customer() {
    let app = App::start_fixed(false).await;
    hook_tenant(&app, "spa").await;
    let national = "087 444 1212";
    let first = app
        .capture(
            "spa",
            &json!({"name": "Ciara Walsh", "phone": national, "utm_source": "facebook", "utm_campaign": "spring", "fbclid": "IwAR-first"}),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let lead_id = first.body["lead_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        first.body["redirect_url"],
        json!(booking_page(&redirect_of("spa"), &lead_id))
    );
    // Back two hours later from a Google ad: the same lead, its last touch kept.
    app.advance(chrono::Duration::hours(2));
    let again = app
        .capture(
            "spa",
            &json!({"name": "Ciara Walsh", "phone": national, "utm_source": "google", "utm_campaign": "brand", "gclid": "Cj0-last"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(again.body["lead_id"], json!(lead_id));
    let lead = app.lead(&admin("spa"), &lead_id).await;
    assert_eq!(
        lead["source"],
        json!("meta_ad"),
        "first touch stays: {lead}"
    );
    assert_eq!(lead["touch"]["fbclid"], json!("IwAR-first"));
    let last = &lead["last_touch"];
    assert_eq!(last["source"], json!("google_ad"), "{lead}");
    assert_eq!(last["gclid"], json!("Cj0-last"));
    assert_eq!(last["utm_campaign"], json!("brand"));
    assert_eq!(last["at"], json!(app.now()));
    assert!(last.get("ip").is_none(), "no address kept twice: {last}");
    // The same form sent again (a double tap) says nothing new: no write, the version stays.
    app.advance(chrono::Duration::minutes(1));
    let repeat = app
        .capture(
            "spa",
            &json!({"name": "Ciara Walsh", "phone": national, "utm_source": "google", "utm_campaign": "brand", "gclid": "Cj0-last"}),
        )
        .await;
    assert_eq!(repeat.status, StatusCode::OK, "{}", repeat.text);
    let same = app.lead(&admin("spa"), &lead_id).await;
    assert_eq!(same["version"], lead["version"], "{same}");
    assert_eq!(same["last_touch"], lead["last_touch"]);

    // The booking page sends the lead id back: the customer's first touch is the lead's,
    // its last touch the lead's last.
    let mut booked = fact("BookingCreated", "B-ciara", 1, national);
    booked["lead_id"] = json!(lead_id);
    let r = hook(&app, "spa", &booked).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let customer_id = r.body["customer_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let detail = app
        .get(&format!("/customers/{customer_id}"), &staff("spa"))
        .await;
    let c = &detail.body["customer"];
    assert_eq!(c["source"], json!("meta_ad"), "{c}");
    assert_eq!(c["last_touch"]["source"], json!("google_ad"), "{c}");
    assert_eq!(c["last_touch"]["gclid"], json!("Cj0-last"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn customers_not_made_from_a_lead_get_an_acquisition_source() {
    let app = App::start_fixed(false).await;
    hook_tenant(&app, "spa").await;
    let source_of = |r: &Resp| r.body["customer"]["source"].clone();
    // A booking with no lead behind it: organic, or what the booking system says.
    let r = hook(
        &app,
        "spa",
        &fact("BookingCreated", "B-org", 1, "087 555 0001"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let id = r.body["customer_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let organic = app.get(&format!("/customers/{id}"), &staff("spa")).await;
    assert_eq!(source_of(&organic), json!("organic"), "{}", organic.text);
    let mut walk_in = fact("BookingCreated", "B-walk", 1, "087 555 0002");
    walk_in["customer"]["email"] = json!("walk@example.ie");
    walk_in["source"] = json!("walk_in");
    let r = hook(&app, "spa", &walk_in).await;
    let id = r.body["customer_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let walked = app.get(&format!("/customers/{id}"), &staff("spa")).await;
    assert_eq!(source_of(&walked), json!("walk_in"), "{}", walked.text);
    let mut bad = fact("BookingCreated", "B-bad", 1, "087 555 0003");
    bad["source"] = json!("billboard");
    let r = hook(&app, "spa", &bad).await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_fields(&["source"]);
    // By hand: as entered, else manual; a bad one is a 422 naming it.
    let by_hand = create(&app, "spa", json!({"name": "Hand Made", "phone": phone()})).await;
    assert_eq!(by_hand["source"], json!("manual"), "{by_hand}");
    let referred = create(
        &app,
        "spa",
        json!({"name": "Referred", "phone": phone(), "source": "referral"}),
    )
    .await;
    assert_eq!(referred["source"], json!("referral"), "{referred}");
    let r = app
        .post(
            "/customers",
            &admin("spa"),
            &json!({"name": "Bad", "phone": phone(), "source": "billboard"}),
        )
        .await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_fields(&["source"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_lead_id_parameter_on_the_booking_redirect_is_the_businesss_choice() {
    let app = App::start_fixed(false).await;
    hook_tenant(&app, "spa").await;
    let patch = |body: Value| {
        let app = &app;
        async move {
            app.call(Method::PATCH, "/settings", Some(&owner("spa")), Some(&body))
                .await
        }
    };
    let bad = patch(json!({"lead_id_param": "lead id!"})).await;
    bad.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_fields(&["lead_id_param"]);
    let set = patch(json!({"lead_id_param": "crm_ref"})).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    assert_eq!(set.body["lead_id_param"], json!("crm_ref"));
    let r = app
        .capture("spa", &capture_body("Param Person", &phone()))
        .await;
    let id = r.body["lead_id"].as_str().unwrap_or_default();
    assert_eq!(
        r.body["redirect_url"],
        json!(format!("{}?crm_ref={id}", redirect_of("spa")))
    );
    let off = patch(json!({"lead_id_param": ""})).await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.text);
    let r = app
        .capture("spa", &capture_body("No Param", &phone()))
        .await;
    assert_eq!(r.body["redirect_url"], json!(redirect_of("spa")));
}
