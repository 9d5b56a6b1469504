//! Possible duplicates through crm-local's HTTP (issue 19): two records of one person made
//! by hand show up side by side with why; merging keeps one (its KPIs recomputed from both
//! records' bookings, the other's note on its timeline) and leaves the other's link
//! answering 301; keep both and ignore close a pair; another tenant sees none of it.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn customer(app: &App, token: &str, body: Value) -> String {
    let r = app.post("/customers", token, &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["id"].as_str().unwrap_or_default().to_owned()
}

/// A completed, paid visit of the customer with `phone` (signed booking fact).
async fn visit(app: &App, booking: &str, phone: &str, amount: i64) {
    let body = json!({"type": "BookingCompleted", "booking_id": booking, "version": 1,
        "start": "2026-11-01T10:00:00Z", "amount": amount, "currency": "EUR", "paid": true,
        "service": "Facial", "customer": {"phone": phone}})
    .to_string();
    let r = send(
        app.req(Method::POST, "/hooks/demo/bookings")
            .header("content-type", "application/json")
            .header("x-crm-signature", demo_signature(app, &body))
            .body(body),
    )
    .await;
    assert!(r.status.is_success(), "{}", r.text);
}

async fn resolve(app: &App, token: &str, pair: &str, body: Value) -> Resp {
    app.post(&format!("/duplicates/{pair}/resolve"), token, &body)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pairs_are_reviewed_side_by_side_and_merged_kept_or_ignored() {
    let app = App::start_fixed(true).await;
    let token = owner(DEMO);
    let ann = customer(
        &app,
        &token,
        json!({"name": "Niamh Kelly", "phone": "+353871110001", "email": "niamh@example.ie"}),
    )
    .await;
    let ann_again = customer(
        &app,
        &token,
        json!({"name": "Niamh Kelly", "phone": "+353871110077", "tags": ["facials"]}),
    )
    .await;
    visit(&app, "DUP-1", "+353871110001", 5_000).await;
    visit(&app, "DUP-2", "+353871110077", 3_000).await;
    visit(&app, "DUP-3", "+353871110077", 2_000).await;
    let note = app
        .post(
            &format!("/customers/{ann_again}/notes"),
            &token,
            &json!({"body": "Prefers mornings"}),
        )
        .await;
    assert_eq!(note.status, StatusCode::CREATED, "{}", note.text);

    let list = app.get("/duplicates", &admin(DEMO)).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let pairs = list.body["pairs"].as_array().cloned().unwrap_or_default();
    let pair = pairs
        .iter()
        .find(|p| p["existing"]["id"] == ann.as_str() && p["new"]["id"] == ann_again.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("the pair: {}", list.text));
    assert_eq!(pair["status"], "pending");
    assert!(pair["score"].as_f64().unwrap_or_default() >= 0.75);
    assert_eq!(
        pair["reasons"],
        json!(["same name, phone differs in the last digits"])
    );
    assert_eq!(pair["new"]["visits"], 2);
    assert_eq!(pair["new"]["lifetime_value"], 5_000);
    let pair_id = pair["id"].as_str().unwrap_or_default().to_owned();

    // Staff may not resolve; another tenant sees no pair and cannot resolve this one.
    let staff_try = resolve(&app, &staff(DEMO), &pair_id, json!({"action": "ignore"})).await;
    assert_eq!(staff_try.status, StatusCode::FORBIDDEN);
    app.add_tenant("bistro").await;
    let theirs = app.get("/duplicates", &owner("bistro")).await;
    assert_eq!(theirs.body["pairs"], json!([]));
    let foreign = resolve(
        &app,
        &owner("bistro"),
        &pair_id,
        json!({"action": "ignore"}),
    )
    .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    // Bad input is named.
    let bad = resolve(&app, &token, &pair_id, json!({"action": "merge"})).await;
    assert_eq!(bad.fields(), ["keep"]);
    let stranger = resolve(
        &app,
        &token,
        &pair_id,
        json!({"action": "merge", "keep": "01JDEM0000000000000000000Z"}),
    )
    .await;
    assert_eq!(stranger.fields(), ["keep"]);

    let merged = resolve(
        &app,
        &token,
        &pair_id,
        json!({"action": "merge", "keep": ann}),
    )
    .await;
    assert_eq!(merged.status, StatusCode::OK, "{}", merged.text);
    assert_eq!(merged.body["pair"]["status"], "merged");
    assert_eq!(merged.body["pair"]["kept_id"], ann.as_str());
    let kept = &merged.body["customer"];
    assert_eq!(
        kept["totals"]["visits"], 3,
        "recomputed from both records' bookings"
    );
    assert_eq!(kept["totals"]["lifetime_value"], 10_000);
    assert_eq!(kept["phones"], json!(["+353871110001", "+353871110077"]));
    assert_eq!(kept["tags"], json!(["facials"]));
    // The merged-away record's link answers where it went; its note and the audit entry are
    // on the kept timeline.
    let old = app.get(&format!("/customers/{ann_again}"), &token).await;
    assert_eq!(old.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(
        old.header("location").as_deref(),
        Some(ann.as_str()),
        "relative to the old link: right behind an API stage path too"
    );
    assert_eq!(old.body["merged_into"], ann.as_str());
    let timeline = app.get(&format!("/customers/{ann}/timeline"), &token).await;
    assert!(
        timeline.text.contains("Prefers mornings"),
        "{}",
        timeline.text
    );
    assert!(
        timeline.text.contains("Merged with Niamh Kelly"),
        "{}",
        timeline.text
    );
    // The same merge again answers the same; another resolution conflicts.
    let again = resolve(
        &app,
        &token,
        &pair_id,
        json!({"action": "merge", "keep": ann}),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(again.body["customer"]["totals"]["visits"], 3);
    let other = resolve(&app, &token, &pair_id, json!({"action": "keep_both"})).await;
    assert_eq!(other.status, StatusCode::CONFLICT, "{}", other.text);
    assert!(
        app.get("/duplicates", &token).await.body["pairs"]
            .as_array()
            .is_some_and(|p| p.iter().all(|p| p["id"] != pair_id.as_str())),
        "no longer pending"
    );

    // Keep both and ignore close a pair and change no customer.
    let bo = customer(
        &app,
        &token,
        json!({"name": "Ciara Walsh", "phone": "+353862220001"}),
    )
    .await;
    let bo_too = customer(
        &app,
        &token,
        json!({"name": "Ciara Walsh", "phone": "+353862220055"}),
    )
    .await;
    let list = app.get("/duplicates", &token).await;
    let pair = list.body["pairs"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["new"]["id"] == bo_too.as_str()))
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(pair["existing"]["id"], bo.as_str());
    let id = pair["id"].as_str().unwrap_or_default();
    let kept_both = resolve(&app, &token, id, json!({"action": "keep_both"})).await;
    assert_eq!(kept_both.status, StatusCode::OK, "{}", kept_both.text);
    assert_eq!(kept_both.body["pair"]["status"], "kept_both");
    assert_eq!(
        app.get(&format!("/customers/{bo_too}"), &token)
            .await
            .status,
        StatusCode::OK
    );
    let all = app.get("/duplicates?status=all", &token).await;
    let reviewed = all.body["pairs"].as_array().cloned().unwrap_or_default();
    assert!(reviewed.iter().any(|p| p["status"] == "kept_both"));
    let merged_pair = reviewed
        .iter()
        .find(|p| p["id"] == pair_id.as_str())
        .unwrap_or_else(|| panic!("the merged pair is listed with status=all: {}", all.text));
    assert_eq!(merged_pair["status"], "merged");
    assert_eq!(
        merged_pair["new"]["name"], "Niamh Kelly",
        "the merged-away customer as they were"
    );
    let bad_status = app.get("/duplicates?status=maybe", &token).await;
    assert_eq!(bad_status.fields(), ["status"]);

    // A page at a time: every pair once, newest first, whatever the page size.
    let mut seen = Vec::new();
    let mut path = "/duplicates?status=all&limit=1".to_owned();
    loop {
        let page = app.get(&path, &token).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        let pairs = page.body["pairs"].as_array().cloned().unwrap_or_default();
        assert!(pairs.len() <= 1);
        seen.extend(
            pairs
                .iter()
                .filter_map(|p| p["id"].as_str().map(str::to_owned)),
        );
        match page.body["next_cursor"].as_str() {
            Some(next) => path = format!("/duplicates?status=all&limit=1&cursor={next}"),
            None => break,
        }
    }
    let whole: Vec<String> = reviewed
        .iter()
        .filter_map(|p| p["id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(seen, whole);
    assert!(whole.len() >= 2, "{whole:?}");
    let mut newest_first = whole.clone();
    newest_first.sort_by(|a, b| b.cmp(a));
    assert_eq!(whole, newest_first);
    // A cursor is this tenant's list's only.
    let first = app.get("/duplicates?status=all&limit=1", &token).await;
    let cursor = first.body["next_cursor"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let foreign = app
        .get(&format!("/duplicates?cursor={cursor}"), &owner("bistro"))
        .await;
    assert_eq!(foreign.fields(), ["cursor"]);
    let too_many = app.get("/duplicates?limit=101", &token).await;
    assert_eq!(too_many.fields(), ["limit"]);
}
