//! The admin lead API end to end (DESIGN §2.1, §3): create, list, board, edit, status
//! machine, notes and analytics, through real sockets into the local server.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use crm_shared::ports::store::Cursor;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn minutes(n: i64) -> chrono::Duration {
    chrono::Duration::minutes(n)
}

fn days(n: i64) -> chrono::Duration {
    chrono::Duration::days(n)
}

/// `PATCH /leads/{id}` with an optional `If-Match`.
async fn patch(app: &App, token: &str, id: &str, if_match: Option<&str>, body: &Value) -> Resp {
    let mut rb = app
        .req(Method::PATCH, &format!("/leads/{id}"))
        .bearer_auth(token)
        .json(body);
    if let Some(v) = if_match {
        rb = rb.header("if-match", v);
    }
    send(rb).await
}

fn column<'a>(board: &'a Value, status: &str) -> &'a Value {
    board["columns"]
        .as_array()
        .and_then(|cols| cols.iter().find(|c| c["status"] == json!(status)))
        .unwrap_or_else(|| panic!("no column {status} in {board}"))
}

/// (count, expected value) of each status, from the leads themselves.
fn totals_of(leads: &[Value]) -> BTreeMap<String, (i64, i64)> {
    let mut out: BTreeMap<String, (i64, i64)> =
        STATUSES.iter().map(|s| ((*s).to_owned(), (0, 0))).collect();
    for l in leads {
        let e = out
            .entry(l["status"].as_str().unwrap_or("").to_owned())
            .or_default();
        e.0 += 1;
        e.1 += l["expected_value"].as_i64().unwrap_or(0);
    }
    out
}

/// Asserts the board has the six columns in order, each with the count and value sum of
/// `leads` in that status, and a first page of exactly its own leads, newest first.
fn assert_board_matches(board: &Value, leads: &[Value]) {
    let cols = board["columns"].as_array().cloned().unwrap_or_default();
    let order: Vec<_> = cols
        .iter()
        .map(|c| c["status"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(order, STATUSES, "six columns in pipeline order");
    let expected = totals_of(leads);
    for c in &cols {
        let status = c["status"].as_str().unwrap_or("");
        let (count, value) = expected[status];
        assert_eq!(c["count"], json!(count), "count of {status}: {board}");
        assert_eq!(
            c["expected_value"],
            json!(value),
            "expected value sum of {status}: {board}"
        );
        let page = c["leads"].as_array().cloned().unwrap_or_default();
        assert_eq!(page.len() as i64, count.min(20), "first page of {status}");
        assert!(
            page.iter().all(|l| l["status"] == json!(status)),
            "{status} column holds only {status} leads"
        );
        let page_ids = ids(&page);
        let mut sorted = page_ids.clone();
        sorted.sort();
        sorted.reverse();
        assert_eq!(page_ids, sorted, "{status} column newest first");
    }
}

// ---------------------------------------------------------------------------------------
// POST /leads
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creating_a_lead_answers_201_with_its_version_as_etag() {
    let app = App::start(true).await;
    let tok = admin(DEMO);
    let r = app
        .post(
            "/leads",
            &tok,
            &json!({
                "name": "Walk In",
                "phone": "087 555 1212",
                "email": "Walk.In@Example.IE",
                "service": "Facial",
                "message": "Came by the front desk",
                "source": "walk_in",
                "expected_value": 4500,
                "assignee": "sam",
                "follow_up_at": "2026-11-24T09:00:00Z"
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.etag().as_deref(), Some("\"1\""));
    let lead = &r.body;
    let id = lead["id"].as_str().unwrap_or_default().to_owned();
    assert!(is_ulid(&id), "{}", r.text);
    assert_eq!(lead["version"], json!(1));
    assert_eq!(lead["status"], json!("new"));
    assert_eq!(lead["phone"], json!("+353875551212"));
    assert_eq!(lead["email"], json!("walk.in@example.ie"));
    assert_eq!(lead["source"], json!("walk_in"));
    assert_eq!(lead["expected_value"], json!(4500));
    assert_eq!(lead["assignee"], json!("sam"));

    let read = app.get_lead(&tok, &id).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    assert_eq!(read.etag().as_deref(), Some("\"1\""));
    for field in [
        "name",
        "phone",
        "email",
        "service",
        "message",
        "source",
        "expected_value",
        "assignee",
    ] {
        assert_eq!(read.body[field], lead[field], "{field}");
    }

    // Without a source the lead is `manual`.
    let plain = app
        .create_lead(&tok, &json!({"name": "Caller", "phone": phone()}))
        .await;
    assert_eq!(plain["source"], json!("manual"));
    assert_eq!(plain["expected_value"], json!(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creating_a_lead_with_a_phone_claimed_in_the_last_24h_is_409_with_the_existing_id() {
    let app = App::start(true).await;
    let tok = admin(DEMO);
    let captured = app
        .capture_ok(DEMO, &capture_body("Web Person", "087 909 0909"))
        .await;
    let r = app
        .post(
            "/leads",
            &tok,
            &json!({"name": "Same Person", "phone": "+353 87 909 0909"}),
        )
        .await;
    r.assert_problem(StatusCode::CONFLICT);
    assert_eq!(r.body["existing_id"], json!(captured), "{}", r.text);

    let created = app
        .create_lead(&tok, &json!({"name": "Hand Made", "phone": "085 1110000"}))
        .await;
    let r = app
        .post(
            "/leads",
            &tok,
            &json!({"name": "Hand Made Again", "phone": "0851110000"}),
        )
        .await;
    r.assert_problem(StatusCode::CONFLICT);
    assert_eq!(r.body["existing_id"], created["id"]);
    let found = app.list_all(&tok, "q=851110000", 25).await;
    assert_eq!(found.len(), 1, "the refused lead was not stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creating_a_lead_with_invalid_fields_is_422_naming_each() {
    let app = App::start(true).await;
    let tok = admin(DEMO);
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({}), vec!["name", "phone"]),
        (json!({"name": "A"}), vec!["phone"]),
        (
            json!({"name": "A", "phone": "12", "source": "tv", "expected_value": -1, "status": "won"}),
            vec!["source", "status", "phone", "expected_value"],
        ),
        (
            json!({"name": "A", "phone": phone(), "email": "nope"}),
            vec!["email"],
        ),
        (
            json!({"name": "A", "phone": phone(), "follow_up_at": "soon"}),
            vec!["follow_up_at"],
        ),
    ];
    for (body, fields) in cases {
        app.post("/leads", &tok, &body).await.assert_fields(&fields);
    }
    assert_eq!(app.list_all(&tok, "", 100).await.len(), DEMO_LEADS);
}

// ---------------------------------------------------------------------------------------
// GET /leads
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_is_newest_first_and_cursor_pages_of_5_cover_every_lead_exactly_once() {
    let app = App::start_fixed(false).await;
    app.add_tenant("pages").await;
    let tok = admin("pages");
    let mut created = Vec::new();
    for i in 0..23 {
        app.advance(minutes(1));
        let name = if i % 2 == 0 {
            format!("Alpha {i}")
        } else {
            format!("Beta {i}")
        };
        let lead = app
            .create_lead(&tok, &json!({"name": name, "phone": phone()}))
            .await;
        created.push(lead["id"].as_str().unwrap_or_default().to_owned());
    }
    let newest_first: Vec<String> = created.iter().rev().cloned().collect();

    // Walk the pages by hand: sizes, cursors and order.
    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/leads?limit=5&cursor={c}"),
            None => "/leads?limit=5".to_owned(),
        };
        let r = app.get(&path, &tok).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let items = r.body["items"].as_array().cloned().unwrap_or_default();
        sizes.push(items.len());
        seen.extend(ids(&items));
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
        assert!(sizes.len() < 20, "the pages never end");
    }
    assert_eq!(sizes, [5, 5, 5, 5, 3]);
    assert_eq!(seen, newest_first, "every lead once, newest first, no gaps");

    // The same through a filter the index cannot serve (q): short reads must not skip.
    let alphas: Vec<String> = newest_first
        .iter()
        .enumerate()
        .filter(|(i, _)| (22 - i) % 2 == 0)
        .map(|(_, id)| id.clone())
        .collect();
    assert_eq!(alphas.len(), 12);
    for limit in [1, 2, 5, 7] {
        let got = ids(&app.list_all(&tok, "q=alpha", limit).await);
        assert_eq!(got, alphas, "q=alpha in pages of {limit}");
    }

    // And through the board index (one status).
    let mut contacted = Vec::new();
    for (i, id) in created.iter().enumerate() {
        if i % 3 == 0 {
            app.move_to(&tok, id, "contacted").await;
            contacted.push(id.clone());
        }
    }
    contacted.reverse();
    for limit in [1, 2, 5] {
        let got = ids(&app.list_all(&tok, "status=contacted", limit).await);
        assert_eq!(got, contacted, "status=contacted in pages of {limit}");
    }
    let new_ones: Vec<String> = newest_first
        .iter()
        .filter(|id| !contacted.contains(id))
        .cloned()
        .collect();
    assert_eq!(ids(&app.list_all(&tok, "status=new", 4).await), new_ones);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seeded_list_is_newest_first_by_creation() {
    let app = App::start(true).await;
    let all = app.list_all(&admin(DEMO), "", 5).await;
    assert_eq!(all.len(), DEMO_LEADS);
    let created: Vec<String> = all
        .iter()
        .map(|l| l["created_at"].as_str().unwrap_or("").to_owned())
        .collect();
    let times: Vec<chrono::DateTime<chrono::Utc>> = created
        .iter()
        .map(|t| t.parse().unwrap_or_else(|e| panic!("created_at {t}: {e}")))
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {created:?}"
    );
    assert_eq!(
        ids(&all).into_iter().collect::<BTreeSet<_>>().len(),
        DEMO_LEADS
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_filters_select_by_status_source_q_assignee_created_range_and_stale() {
    let app = App::start_fixed(false).await;
    app.add_tenant("filters").await;
    let tok = admin("filters");
    let t0 = app.now();
    let l1 = app.create_lead_id(&tok, &json!({"name": "Aoife Walsh", "phone": phone(), "email": "aoife@example.ie", "assignee": "sam"})).await;
    app.advance(days(2));
    let l2_phone = phone();
    let mut body = capture_body("Brian Kelly", &l2_phone);
    body["fbclid"] = json!("fb1");
    let l2 = app.capture_ok("filters", &body).await;
    app.advance(days(2));
    let mut body = capture_body("Ciara Walsh", &phone());
    body["gclid"] = json!("g1");
    let l3 = app.capture_ok("filters", &body).await;
    app.move_to(&tok, &l3, "contacted").await;
    app.advance(minutes(1));
    let l4 = app
        .create_lead_id(
            &tok,
            &json!({"name": "Dara Nolan", "phone": phone(), "source": "walk_in"}),
        )
        .await;
    app.move_to(&tok, &l4, "lost").await;

    let day = |d: i64| (t0 + days(d)).format("%Y-%m-%d").to_string();
    let l2_created = app.lead(&tok, &l2).await["created_at"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let cases: Vec<(String, Vec<&String>)> = vec![
        (String::new(), vec![&l4, &l3, &l2, &l1]),
        ("status=new".into(), vec![&l2, &l1]),
        ("status=contacted".into(), vec![&l3]),
        ("status=lost".into(), vec![&l4]),
        ("status=won".into(), vec![]),
        ("source=meta_ad".into(), vec![&l2]),
        ("source=google_ad".into(), vec![&l3]),
        ("source=manual".into(), vec![&l1]),
        ("source=walk_in".into(), vec![&l4]),
        ("source=instagram".into(), vec![]),
        ("q=walsh".into(), vec![&l3, &l1]),
        ("q=AOIFE".into(), vec![&l1]),
        (format!("q={}", enc("aoife@example.ie")), vec![&l1]),
        (format!("q={}", enc(&l2_phone)), vec![&l2]),
        (format!("q={}", enc(&e164(&l2_phone))), vec![&l2]),
        ("assignee=sam".into(), vec![&l1]),
        ("assignee=kim".into(), vec![]),
        ("stale=false".into(), vec![&l4, &l3, &l2, &l1]),
        ("stale=true".into(), vec![]),
        (format!("created_from={}", day(1)), vec![&l4, &l3, &l2]),
        (format!("created_to={}", day(1)), vec![&l1]),
        (
            format!("created_from={}&created_to={}", day(1), day(3)),
            vec![&l2],
        ),
        (
            format!("created_from={}", enc(&l2_created)),
            vec![&l4, &l3, &l2],
        ),
        (format!("created_to={}", enc(&l2_created)), vec![&l2, &l1]),
        ("status=new&source=meta_ad".into(), vec![&l2]),
        ("status=new&q=walsh".into(), vec![&l1]),
        (
            format!("status=contacted&created_from={}", day(3)),
            vec![&l3],
        ),
        (format!("status=new&created_from={}", day(3)), vec![]),
    ];
    for (query, expected) in cases {
        let got = ids(&app.list_all(&tok, &query, 25).await);
        let want: Vec<String> = expected.into_iter().cloned().collect();
        assert_eq!(got, want, "GET /leads?{query}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_list_parameter_is_422_naming_it() {
    let app = App::start(true).await;
    let tok = admin(DEMO);
    let long_q = "q".repeat(101);
    let cases: Vec<(String, Vec<&str>)> = vec![
        ("status=open".into(), vec!["status"]),
        ("source=tv".into(), vec!["source"]),
        ("stale=yes".into(), vec!["stale"]),
        ("created_from=yesterday".into(), vec!["created_from"]),
        ("created_to=2026-13-01".into(), vec!["created_to"]),
        (
            "created_from=2026-11-10&created_to=2026-11-01".into(),
            vec!["created_to"],
        ),
        ("limit=0".into(), vec!["limit"]),
        ("limit=101".into(), vec!["limit"]),
        ("limit=ten".into(), vec!["limit"]),
        (format!("q={long_q}"), vec!["q"]),
        (
            "status=open&source=tv&stale=1".into(),
            vec!["status", "source", "stale"],
        ),
        ("foo=1".into(), vec!["foo"]),
        ("Status=new".into(), vec!["Status"]),
        ("page=2&sort=name".into(), vec!["page", "sort"]),
    ];
    for (query, fields) in cases {
        let r = app.get(&format!("/leads?{query}"), &tok).await;
        r.assert_fields(&fields);
    }
    // The board and analytics refuse unknown parameters too.
    app.get("/leads/board?status=new", &tok)
        .await
        .assert_fields(&["status"]);
    app.get("/leads/board?limit=0", &tok)
        .await
        .assert_fields(&["limit"]);
    app.get("/leads/analytics?month=2026-11", &tok)
        .await
        .assert_fields(&["month"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cursor_that_is_not_from_this_list_is_422() {
    let app = App::start(true).await;
    app.add_tenant("other").await;
    let tok = admin(DEMO);
    let other = admin("other");
    for i in 0..3 {
        app.create_lead(
            &other,
            &json!({"name": format!("Other {i}"), "phone": phone()}),
        )
        .await;
    }

    for garbage in ["garbage", "eyJ4IjoxfQ", "!!!!", "e30"] {
        app.get(&format!("/leads?cursor={garbage}"), &tok)
            .await
            .assert_fields(&["cursor"]);
    }

    // A real cursor of the other tenant's list.
    let page = app.get("/leads?limit=1", &other).await;
    let their_cursor = page.body["next_cursor"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!their_cursor.is_empty(), "{}", page.text);
    let own = app
        .get(&format!("/leads?limit=1&cursor={their_cursor}"), &other)
        .await;
    assert_eq!(
        own.status,
        StatusCode::OK,
        "the cursor works for its own tenant: {}",
        own.text
    );
    app.get(&format!("/leads?limit=1&cursor={their_cursor}"), &tok)
        .await
        .assert_fields(&["cursor"]);

    // A forged cursor naming the other tenant's partition.
    let forged = Cursor {
        pk: "T#other#LEADS".into(),
        sk: "01KAAAAAAAAAAAAAAAAAAAAAAA".into(),
        ipk: None,
        isk: None,
    }
    .encode();
    app.get(&format!("/leads?cursor={forged}"), &tok)
        .await
        .assert_fields(&["cursor"]);

    // A cursor of one list (status=new, the board index) is not a cursor of another.
    let by_status = app.get("/leads?status=new&limit=1", &tok).await;
    let status_cursor = by_status.body["next_cursor"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!status_cursor.is_empty(), "{}", by_status.text);
    app.get(&format!("/leads?cursor={status_cursor}"), &tok)
        .await
        .assert_fields(&["cursor"]);
    app.get(
        &format!("/leads?status=booked&cursor={status_cursor}"),
        &tok,
    )
    .await
    .assert_fields(&["cursor"]);
    let plain = app.get("/leads?limit=1", &tok).await;
    let plain_cursor = plain.body["next_cursor"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    app.get(&format!("/leads?status=new&cursor={plain_cursor}"), &tok)
        .await
        .assert_fields(&["cursor"]);
}

// ---------------------------------------------------------------------------------------
// GET /leads/board
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_board_has_six_columns_in_order_with_counts_and_values_matching_the_leads() {
    let app = App::start(true).await;
    let tok = admin(DEMO);
    let all = app.list_all(&tok, "", 100).await;
    assert_eq!(all.len(), DEMO_LEADS);
    assert_board_matches(&app.board(&tok).await, &all);

    // Leads added and moved by hand and by capture keep it exact.
    let a = app
        .create_lead_id(
            &tok,
            &json!({"name": "Board A", "phone": phone(), "expected_value": 1234}),
        )
        .await;
    let b = app
        .create_lead_id(
            &tok,
            &json!({"name": "Board B", "phone": phone(), "expected_value": 99}),
        )
        .await;
    app.capture_ok(DEMO, &capture_body("Board C", &phone()))
        .await;
    app.move_to(&tok, &a, "booked").await;
    app.move_to(&tok, &a, "won").await;
    app.move_to(&tok, &b, "lost").await;
    let all = app.list_all(&tok, "", 100).await;
    assert_eq!(all.len(), DEMO_LEADS + 3);
    assert_board_matches(&app.board(&tok).await, &all);

    // A short first page carries a cursor that continues the column in GET /leads.
    let small = app.get("/leads/board?limit=2", &tok).await;
    assert_eq!(small.status, StatusCode::OK, "{}", small.text);
    for status in STATUSES {
        let col = column(&small.body, status);
        let first = ids(col["leads"].as_array().map(Vec::as_slice).unwrap_or(&[]));
        let everything = ids(&app.list_all(&tok, &format!("status={status}"), 100).await);
        assert_eq!(first.len(), everything.len().min(2), "{status}");
        match col["next_cursor"].as_str() {
            Some(c) => {
                let rest = app
                    .get(
                        &format!("/leads?status={status}&limit=100&cursor={c}"),
                        &tok,
                    )
                    .await;
                assert_eq!(rest.status, StatusCode::OK, "{}", rest.text);
                let mut joined = first.clone();
                joined.extend(ids(rest.body["items"]
                    .as_array()
                    .map(Vec::as_slice)
                    .unwrap_or(&[])));
                assert_eq!(
                    joined, everything,
                    "the board's cursor continues the {status} column"
                );
            }
            None => assert_eq!(first, everything, "{status} fits on the first page"),
        }
    }
}

// ---------------------------------------------------------------------------------------
// PATCH /leads/{id}
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_patch_with_the_current_if_match_is_200_bumps_the_version_and_sends_the_new_etag() {
    let app = App::start(true).await;
    let tok = admin(DEMO);
    let lead = app
        .create_lead(&tok, &json!({"name": "Patchy", "phone": phone()}))
        .await;
    let id = lead["id"].as_str().unwrap_or_default().to_owned();

    let r = patch(
        &app,
        &tok,
        &id,
        Some("\"1\""),
        &json!({"service": "Facial", "name": "Patricia"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["version"], json!(2));
    assert_eq!(r.etag().as_deref(), Some("\"2\""));
    assert_eq!(r.body["service"], json!("Facial"));
    assert_eq!(r.body["name"], json!("Patricia"));

    // Weak and bare forms of the version are read the same.
    let r = patch(
        &app,
        &tok,
        &id,
        Some("W/\"2\""),
        &json!({"phone": "086 123 0000"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["phone"], json!("+353861230000"));
    let r = patch(
        &app,
        &tok,
        &id,
        Some("3"),
        &json!({"service": null, "assignee": "kim"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.etag().as_deref(), Some("\"4\""));
    // Without If-Match the edit applies to whatever is current.
    let r = patch(&app, &tok, &id, None, &json!({"expected_value": 700})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["version"], json!(5));

    let read = app.get_lead(&tok, &id).await;
    assert_eq!(read.etag().as_deref(), Some("\"5\""));
    assert_eq!(read.body["name"], json!("Patricia"));
    assert_eq!(
        read.body.get("service"),
        None,
        "null cleared the service: {}",
        read.text
    );
    assert_eq!(read.body["assignee"], json!("kim"));
    assert_eq!(read.body["phone"], json!("+353861230000"));
    assert_eq!(read.body["expected_value"], json!(700));
    assert_eq!(
        read.body["status"],
        json!("new"),
        "a patch never changes the status"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_patch_with_a_stale_if_match_is_412_with_the_current_version() {
    let app = App::start(true).await;
    let tok = admin(DEMO);
    let id = app
        .create_lead_id(&tok, &json!({"name": "Race", "phone": phone()}))
        .await;
    let first = patch(
        &app,
        &tok,
        &id,
        Some("\"1\""),
        &json!({"service": "Massage"}),
    )
    .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let second = patch(
        &app,
        &tok,
        &id,
        Some("\"1\""),
        &json!({"service": "Facial"}),
    )
    .await;
    second.assert_problem(StatusCode::PRECONDITION_FAILED);
    assert_eq!(second.body["current_version"], json!(2), "{}", second.text);
    let read = app.lead(&tok, &id).await;
    assert_eq!(
        read["service"],
        json!("Massage"),
        "the stale edit changed nothing"
    );
    assert_eq!(read["version"], json!(2));

    // A version from the future is stale too.
    let r = patch(
        &app,
        &tok,
        &id,
        Some("\"9\""),
        &json!({"service": "Facial"}),
    )
    .await;
    r.assert_problem(StatusCode::PRECONDITION_FAILED);
    assert_eq!(r.body["current_version"], json!(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_if_match_is_422() {
    let app = App::start(true).await;
    let tok = admin(DEMO);
    let id = app
        .create_lead_id(&tok, &json!({"name": "Header", "phone": phone()}))
        .await;
    for bad in ["abc", "\"v1\"", "-1", "1.5", "\"\""] {
        let r = patch(&app, &tok, &id, Some(bad), &json!({"service": "Facial"})).await;
        r.assert_fields(&["If-Match"]);
    }
    assert_eq!(app.lead(&tok, &id).await["version"], json!(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_or_invalid_patch_is_422() {
    let app = App::start(true).await;
    let tok = admin(DEMO);
    let id = app
        .create_lead_id(&tok, &json!({"name": "Empty", "phone": phone()}))
        .await;
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({}), vec!["body"]),
        (json!({"status": "won"}), vec!["status"]),
        (json!({"phone": "12"}), vec!["phone"]),
        (json!({"name": ""}), vec!["name"]),
        (json!({"expected_value": 1.5}), vec!["expected_value"]),
        (json!({"expected_value": "100"}), vec!["expected_value"]),
        (json!({"email": "x"}), vec!["email"]),
        (
            json!({"appointment_at": "tomorrow"}),
            vec!["appointment_at"],
        ),
    ];
    for (body, fields) in cases {
        patch(&app, &tok, &id, Some("\"1\""), &body)
            .await
            .assert_fields(&fields);
    }
    let raw = send(
        app.req(Method::PATCH, &format!("/leads/{id}"))
            .bearer_auth(&tok)
            .header("content-type", "application/json")
            .body("[]"),
    )
    .await;
    raw.assert_fields(&["body"]);
    assert_eq!(app.lead(&tok, &id).await["version"], json!(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_the_expected_value_moves_the_board_column_sum() {
    let app = App::start_fixed(false).await;
    app.add_tenant("money").await;
    let tok = admin("money");
    let id = app
        .create_lead_id(
            &tok,
            &json!({"name": "Money", "phone": phone(), "expected_value": 1000}),
        )
        .await;
    let other = app
        .create_lead_id(
            &tok,
            &json!({"name": "Other", "phone": phone(), "expected_value": 50}),
        )
        .await;
    let value = |board: &Value, status: &str| column(board, status)["expected_value"].as_i64();
    assert_eq!(value(&app.board(&tok).await, "new"), Some(1050));

    let r = patch(
        &app,
        &tok,
        &id,
        Some("\"1\""),
        &json!({"expected_value": 4000}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(value(&app.board(&tok).await, "new"), Some(4050));

    app.move_to(&tok, &id, "booked").await;
    let board = app.board(&tok).await;
    assert_eq!(value(&board, "new"), Some(50));
    assert_eq!(value(&board, "booked"), Some(4000));

    let r = patch(&app, &tok, &id, None, &json!({"expected_value": 2500})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let board = app.board(&tok).await;
    assert_eq!(value(&board, "booked"), Some(2500));
    assert_eq!(value(&board, "new"), Some(50));
    assert_board_matches(&board, &app.list_all(&tok, "", 100).await);

    // The counting job, run after the lag, changes no figure; nor does running it again.
    app.advance(chrono::Duration::seconds(61));
    let counted = crm_functions::workers::count_leads::count_tenant(&app.server.ctx, "money")
        .await
        .unwrap_or_else(|e| panic!("count: {e}"));
    assert_eq!(counted, 2);
    assert_eq!(app.board(&tok).await, board, "counting changed the board");

    // Edits after counting still move the sums.
    let r = patch(&app, &tok, &other, None, &json!({"expected_value": 0})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let board = app.board(&tok).await;
    assert_eq!(value(&board, "new"), Some(0));
    assert_board_matches(&board, &app.list_all(&tok, "", 100).await);
}

// ---------------------------------------------------------------------------------------
// POST /leads/{id}/status
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_status_transition_is_allowed_or_refused_exactly_as_designed() {
    // A clock that moves a second per change keeps the events' order unambiguous (see
    // status_events_stay_in_the_order_they_happened_when_changes_share_a_millisecond).
    let app = App::start_fixed(false).await;
    app.add_tenant("machine").await;
    let maker = admin("machine");
    let actor = token("machine", crm_shared::http::auth::Role::Staff, "staff-7");
    let mut checked = 0;
    for from in STATUSES {
        let path = path_to(from);
        for to in STATUSES {
            let id = app
                .create_lead_id(
                    &maker,
                    &json!({"name": format!("{from} to {to}"), "phone": phone()}),
                )
                .await;
            for step in &path {
                app.advance(chrono::Duration::seconds(1));
                app.move_to(&actor, &id, step).await;
            }
            let before = app.lead(&maker, &id).await;
            assert_eq!(before["status"], json!(from));
            let version = before["version"].as_u64().unwrap_or(0);
            assert_eq!(version as usize, 1 + path.len());

            app.advance(chrono::Duration::seconds(1));
            let r = app
                .set_status(&actor, &id, to, Some("price too high"))
                .await;
            let allowed = designed_next(from);
            let after = app.lead(&maker, &id).await;
            let events = after["events"].as_array().cloned().unwrap_or_default();
            if allowed.contains(&to) {
                assert_eq!(
                    r.status,
                    StatusCode::OK,
                    "{from} -> {to} is allowed: {}",
                    r.text
                );
                assert_eq!(
                    r.etag(),
                    Some(format!("\"{}\"", version + 1)),
                    "{from} -> {to}"
                );
                assert_eq!(r.body["lead"]["status"], json!(to));
                assert_eq!(r.body["lead"]["version"], json!(version + 1));
                assert_eq!(r.body["event"]["from"], json!(from));
                assert_eq!(r.body["event"]["to"], json!(to));
                assert_eq!(r.body["event"]["actor"], json!("staff-7"));
                assert_eq!(after["status"], json!(to), "{from} -> {to}");
                assert_eq!(after["version"], json!(version + 1));
                assert_eq!(
                    events.len(),
                    path.len() + 1,
                    "one event per change: {after}"
                );
                let last = &events[events.len() - 1];
                assert_eq!(last["from"], json!(from), "{from} -> {to}: {last}");
                assert_eq!(last["to"], json!(to));
                assert_eq!(last["actor"], json!("staff-7"));
                assert_eq!(last["lead_id"], json!(id));
                if to == "lost" {
                    assert_eq!(after["lost_reason"], json!("price too high"));
                    assert_eq!(last["reason"], json!("price too high"));
                } else {
                    assert_eq!(after.get("lost_reason"), None, "{from} -> {to}: {after}");
                }
            } else {
                r.assert_problem(StatusCode::CONFLICT);
                let mut got: Vec<String> = r.body["allowed"]
                    .as_array()
                    .unwrap_or_else(|| panic!("{from} -> {to}: 409 without `allowed`: {}", r.text))
                    .iter()
                    .map(|s| s.as_str().unwrap_or("").to_owned())
                    .collect();
                got.sort();
                let mut want: Vec<String> = allowed.iter().map(|s| (*s).to_owned()).collect();
                want.sort();
                assert_eq!(got, want, "{from} -> {to}: allowed list");
                assert_eq!(r.body["from"], json!(from));
                assert_eq!(r.body["to"], json!(to));
                assert_eq!(
                    after["status"],
                    json!(from),
                    "a refused move changes nothing"
                );
                assert_eq!(after["version"], json!(version));
                assert_eq!(events.len(), path.len());
            }
            // Events are oldest first and chain: each starts where the previous ended.
            let mut at = "new".to_owned();
            for e in &events {
                assert_eq!(e["from"], json!(at), "{events:?}");
                at = e["to"].as_str().unwrap_or("").to_owned();
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 36);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_a_lead_needs_a_reason_which_is_stored_and_cleared_on_reopening() {
    let app = App::start(true).await;
    let tok = staff(DEMO);
    let id = app
        .create_lead(&admin(DEMO), &json!({"name": "Loser", "phone": phone()}))
        .await["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    app.set_status(&tok, &id, "lost", None)
        .await
        .assert_fields(&["reason"]);
    app.set_status(&tok, &id, "lost", Some("   "))
        .await
        .assert_fields(&["reason"]);
    assert_eq!(app.lead(&tok, &id).await["status"], json!("new"));

    let r = app
        .set_status(&tok, &id, "lost", Some("Chose another salon"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let lead = app.lead(&tok, &id).await;
    assert_eq!(lead["status"], json!("lost"));
    assert_eq!(lead["lost_reason"], json!("Chose another salon"));
    assert_eq!(lead["events"][0]["reason"], json!("Chose another salon"));

    let r = app.set_status(&tok, &id, "contacted", None).await;
    assert_eq!(r.status, StatusCode::OK, "reopening: {}", r.text);
    let lead = app.lead(&tok, &id).await;
    assert_eq!(lead["status"], json!("contacted"));
    assert_eq!(
        lead.get("lost_reason"),
        None,
        "a reopened lead has no lost reason: {lead}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn won_is_terminal() {
    let app = App::start(true).await;
    let tok = admin(DEMO);
    let id = app
        .create_lead_id(&tok, &json!({"name": "Winner", "phone": phone()}))
        .await;
    app.move_to(&tok, &id, "booked").await;
    app.move_to(&tok, &id, "won").await;
    for to in STATUSES {
        let r = app.set_status(&tok, &id, to, Some("changed mind")).await;
        r.assert_problem(StatusCode::CONFLICT);
        assert_eq!(r.body["allowed"], json!([]), "{}", r.text);
    }
    let lead = app.lead(&tok, &id).await;
    assert_eq!(lead["status"], json!("won"));
    assert_eq!(lead["version"], json!(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_change_publishes_lead_status_changed() {
    let app = App::start(true).await;
    let id = app
        .create_lead(&admin(DEMO), &json!({"name": "Bus", "phone": phone()}))
        .await["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let tok = token(DEMO, crm_shared::http::auth::Role::Staff, "staff-bus");
    app.move_to(&tok, &id, "contacted").await;
    app.move_to(&tok, &id, "booked").await;
    // A refused change publishes nothing.
    let _ = app.set_status(&tok, &id, "new", None).await;
    app.server.settle_events().await;
    let events: Vec<Value> = app
        .server
        .bus
        .published()
        .into_iter()
        .filter(|e| e.detail_type == "lead.status_changed" && e.detail["lead_id"] == json!(id))
        .map(|e| e.detail)
        .collect();
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0]["from"], json!("new"));
    assert_eq!(events[0]["to"], json!("contacted"));
    assert_eq!(events[1]["from"], json!("contacted"));
    assert_eq!(events[1]["to"], json!("booked"));
    for e in &events {
        assert_eq!(e["tenant_id"], json!(DEMO));
        assert_eq!(e["actor"], json!("staff-bus"));
        assert!(e["event_id"]
            .as_str()
            .is_some_and(|s| s.starts_with("lead.status_changed:")));
    }
    assert_ne!(events[0]["event_id"], events[1]["event_id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_status_request_is_422_404_or_412() {
    let app = App::start(true).await;
    let tok = staff(DEMO);
    let id = app
        .create_lead(&admin(DEMO), &json!({"name": "Bad", "phone": phone()}))
        .await["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let path = format!("/leads/{id}/status");
    app.post(&path, &tok, &json!({}))
        .await
        .assert_fields(&["status"]);
    app.post(&path, &tok, &json!({"status": "archived"}))
        .await
        .assert_fields(&["status"]);
    app.post(&path, &tok, &json!({"status": "contacted", "note": "x"}))
        .await
        .assert_fields(&["note"]);
    app.post(&path, &tok, &json!({"status": 3}))
        .await
        .assert_fields(&["status"]);
    // With If-Match, a stale version is a 412.
    let r = send(
        app.req(Method::POST, &path)
            .bearer_auth(&tok)
            .header("if-match", "\"7\"")
            .json(&json!({"status": "contacted"})),
    )
    .await;
    r.assert_problem(StatusCode::PRECONDITION_FAILED);
    assert_eq!(r.body["current_version"], json!(1));
    let r = send(
        app.req(Method::POST, &path)
            .bearer_auth(&tok)
            .header("if-match", "\"1\"")
            .json(&json!({"status": "contacted"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(app.lead(&tok, &id).await["version"], json!(2));
}

// ---------------------------------------------------------------------------------------
// Unknown leads
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_or_malformed_lead_ids_are_404_on_every_id_route() {
    let app = App::start(true).await;
    let tok = admin(DEMO);
    let unknown = ulid::Ulid::new().to_string();
    for id in [
        unknown.as_str(),
        "not-a-ulid",
        "0",
        "01KAAAAAAAAAAAAAAAAAAAAAA%21",
    ] {
        app.get_lead(&tok, id)
            .await
            .assert_problem(StatusCode::NOT_FOUND);
        patch(&app, &tok, id, None, &json!({"service": "x"}))
            .await
            .assert_problem(StatusCode::NOT_FOUND);
        app.set_status(&tok, id, "contacted", None)
            .await
            .assert_problem(StatusCode::NOT_FOUND);
        app.post(
            &format!("/leads/{id}/notes"),
            &tok,
            &json!({"body": "hello"}),
        )
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    }
}

// ---------------------------------------------------------------------------------------
// POST /leads/{id}/notes
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_note_is_201_and_listed_on_the_lead_newest_first() {
    let app = App::start_fixed(true).await;
    let id = app
        .create_lead(&admin(DEMO), &json!({"name": "Noted", "phone": phone()}))
        .await["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let tok = token(DEMO, crm_shared::http::auth::Role::Staff, "staff-notes");
    let mut notes = Vec::new();
    for text in [
        "Called, no answer",
        "Called again\nleft a voicemail",
        "Booked for Friday",
    ] {
        app.advance(minutes(3));
        let r = app
            .post(&format!("/leads/{id}/notes"), &tok, &json!({"body": text}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.body["body"], json!(text));
        assert_eq!(r.body["author"], json!("staff-notes"));
        assert_eq!(r.body["lead_id"], json!(id));
        assert!(is_ulid(r.body["id"].as_str().unwrap_or("")), "{}", r.text);
        notes.push(r.body);
    }
    let lead = app.lead(&tok, &id).await;
    let listed = lead["notes"].as_array().cloned().unwrap_or_default();
    notes.reverse();
    assert_eq!(listed, notes, "notes newest first, as they were answered");
    assert_eq!(lead["version"], json!(1), "a note does not edit the lead");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_or_invalid_note_is_422() {
    let app = App::start(true).await;
    let tok = staff(DEMO);
    let id = app
        .create_lead(&admin(DEMO), &json!({"name": "Quiet", "phone": phone()}))
        .await["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let path = format!("/leads/{id}/notes");
    for (body, fields) in [
        (json!({}), vec!["body"]),
        (json!({"body": ""}), vec!["body"]),
        (json!({"body": "  \n "}), vec!["body"]),
        (json!({"body": null}), vec!["body"]),
        (json!({"body": 42}), vec!["body"]),
        (json!({"body": "x".repeat(5001)}), vec!["body"]),
        (json!({"body": "ok", "pinned": true}), vec!["pinned"]),
    ] {
        app.post(&path, &tok, &body).await.assert_fields(&fields);
    }
    assert_eq!(app.lead(&tok, &id).await["notes"], json!([]));
}

// ---------------------------------------------------------------------------------------
// GET /leads/analytics
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analytics_are_exact_before_and_after_counting_and_nothing_is_counted_twice() {
    let app = App::start_fixed(false).await;
    app.add_tenant("stats").await;
    let tok = admin("stats");
    let with = |name: &str, extra: Value| {
        let mut b = capture_body(name, &phone());
        for (k, v) in extra.as_object().cloned().unwrap_or_default() {
            b[k] = v;
        }
        b
    };
    let meta1 = app
        .capture_ok("stats", &with("Meta One", json!({"fbclid": "a"})))
        .await;
    let meta2_phone = phone();
    let mut meta2 = capture_body("Meta Two", &meta2_phone);
    meta2["utm_source"] = json!("facebook");
    app.capture_ok("stats", &meta2).await;
    let google = app
        .capture_ok("stats", &with("Google", json!({"gclid": "g"})))
        .await;
    let web = app.capture_ok("stats", &with("Web", json!({}))).await;
    app.create_lead(&tok, &json!({"name": "Manual", "phone": phone()}))
        .await;
    app.create_lead(
        &tok,
        &json!({"name": "Walk", "phone": phone(), "source": "walk_in"}),
    )
    .await;
    // Neither a duplicate nor a bot is a lead.
    let dup = app
        .capture("stats", &capture_body("Meta Two Again", &meta2_phone))
        .await;
    assert_eq!(dup.status, StatusCode::OK, "{}", dup.text);
    let bot = app
        .capture("stats", &with("Bot", json!({"website": "x"})))
        .await;
    assert_eq!(bot.status, StatusCode::CREATED, "{}", bot.text);

    app.move_to(&tok, &meta1, "booked").await;
    app.move_to(&tok, &meta1, "won").await;
    app.move_to(&tok, &google, "lost").await;
    app.move_to(&tok, &web, "contacted").await;

    let a = app.analytics(&tok).await;
    assert_eq!(a["total"], json!(6), "{a}");
    assert_eq!(a["new_this_month"], json!(6), "{a}");
    assert_eq!(a["converted"], json!(1), "{a}");
    assert_eq!(a["conversion_rate"], json!(0.1667), "{a}");
    assert_eq!(
        a["by_source"],
        json!({"meta_ad": 2, "google_ad": 1, "website": 1, "manual": 1, "walk_in": 1}),
        "{a}"
    );
    // Conversion by source: the won lead came from a Meta ad.
    assert_eq!(a["won_by_source"], json!({"meta_ad": 1}), "{a}");
    assert_eq!(
        a["by_status"],
        json!({"new": 3, "contacted": 1, "follow_up": 0, "booked": 0, "won": 1, "lost": 1}),
        "{a}"
    );
    assert_eq!(a["growth_pct"], Value::Null, "no leads last month: {a}");
    let trend = a["trend"].as_array().cloned().unwrap_or_default();
    assert_eq!(trend.len(), 12);
    assert_eq!(
        trend[11],
        json!({"month": "2026-11", "leads": 6, "won": 1}),
        "{a}"
    );
    assert_eq!(trend[0]["month"], json!("2025-12"));
    assert!(trend[..11]
        .iter()
        .all(|p| p["leads"] == json!(0) && p["won"] == json!(0)));
    let board = app.board(&tok).await;
    assert_board_matches(&board, &app.list_all(&tok, "", 100).await);

    // The counting job, once the leads are past the lag: every figure stays the same.
    app.advance(chrono::Duration::seconds(61));
    let count = || crm_functions::workers::count_leads::count_tenant(&app.server.ctx, "stats");
    assert_eq!(count().await.unwrap_or_else(|e| panic!("count: {e}")), 6);
    assert_eq!(
        app.analytics(&tok).await,
        a,
        "counting changed the analytics"
    );
    assert_eq!(app.board(&tok).await, board, "counting changed the board");
    assert_eq!(
        count().await.unwrap_or_else(|e| panic!("count: {e}")),
        0,
        "nothing left to count"
    );
    assert_eq!(app.analytics(&tok).await, a);

    // One more lead after counting: exact before and after its own count.
    let late = app.capture_ok("stats", &with("Late", json!({}))).await;
    app.move_to(&tok, &late, "booked").await;
    app.move_to(&tok, &late, "won").await;
    let b = app.analytics(&tok).await;
    assert_eq!(b["total"], json!(7), "{b}");
    assert_eq!(b["converted"], json!(2), "{b}");
    assert_eq!(b["conversion_rate"], json!(0.2857), "{b}");
    assert_eq!(b["by_source"]["website"], json!(2), "{b}");
    assert_eq!(
        b["won_by_source"],
        json!({"meta_ad": 1, "website": 1}),
        "{b}"
    );
    assert_eq!(b["by_status"]["won"], json!(2), "{b}");
    assert_eq!(
        b["trend"][11],
        json!({"month": "2026-11", "leads": 7, "won": 2}),
        "{b}"
    );
    let board = app.board(&tok).await;
    app.advance(chrono::Duration::seconds(61));
    assert_eq!(count().await.unwrap_or_else(|e| panic!("count: {e}")), 1);
    assert_eq!(count().await.unwrap_or_else(|e| panic!("count: {e}")), 0);
    assert_eq!(
        app.analytics(&tok).await,
        b,
        "counting changed the analytics"
    );
    assert_eq!(app.board(&tok).await, board, "counting changed the board");

    // The scheduled run over every tenant counts nothing again either.
    let n = crm_functions::workers::count_leads::count_all(&app.server.ctx)
        .await
        .unwrap_or_else(|e| panic!("schedule: {e}"));
    assert_eq!(n, 0);
    assert_eq!(app.analytics(&tok).await, b);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analytics_of_the_seeded_tenant_agree_with_its_leads() {
    let app = App::start(true).await;
    let tok = staff(DEMO);
    let a = app.analytics(&tok).await;
    let all = app.list_all(&tok, "", 100).await;
    assert_eq!(a["total"], json!(all.len()));
    let mut by_source: BTreeMap<String, i64> = BTreeMap::new();
    for l in &all {
        *by_source
            .entry(l["source"].as_str().unwrap_or("").to_owned())
            .or_default() += 1;
    }
    assert_eq!(a["by_source"], json!(by_source), "{a}");
    let totals = totals_of(&all);
    for s in STATUSES {
        assert_eq!(a["by_status"][s], json!(totals[s].0), "{s}: {a}");
    }
    assert_eq!(a["converted"], json!(totals["won"].0));
}

// ---------------------------------------------------------------------------------------
// Concurrency and ordering
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_events_stay_in_the_order_they_happened_when_changes_share_a_millisecond() {
    // A fixed clock that does not move: every change happens at the same instant, as two
    // quick changes (or two servers with slightly different clocks) can in real life.
    let app = App::start_fixed(true).await;
    let tok = admin(DEMO);
    let path = [
        "contacted",
        "follow_up",
        "contacted",
        "booked",
        "follow_up",
        "booked",
        "won",
    ];
    for attempt in 0..3 {
        let id = app
            .create_lead_id(
                &tok,
                &json!({"name": format!("Quick {attempt}"), "phone": phone()}),
            )
            .await;
        for to in path {
            app.move_to(&tok, &id, to).await;
        }
        let lead = app.lead(&tok, &id).await;
        let got: Vec<(String, String)> = lead["events"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|e| {
                (
                    e["from"].as_str().unwrap_or("").to_owned(),
                    e["to"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        let mut want = Vec::new();
        let mut at = "new";
        for to in path {
            want.push((at.to_owned(), to.to_owned()));
            at = to;
        }
        assert_eq!(got, want, "events oldest first, in the order they happened");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_status_changes_of_one_lead_apply_once_and_keep_the_board_exact() {
    let app = App::start(true).await;
    let tok = staff(DEMO);
    let id = app
        .create_lead(
            &admin(DEMO),
            &json!({"name": "Contested", "phone": phone(), "expected_value": 777}),
        )
        .await["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let targets = [
        "contacted",
        "follow_up",
        "booked",
        "contacted",
        "follow_up",
        "booked",
        "booked",
        "contacted",
    ];
    let mut tasks = Vec::new();
    for to in targets {
        let http = app.http.clone();
        let url = format!("{}/leads/{id}/status", app.url);
        let tok = tok.clone();
        tasks.push(tokio::spawn(async move {
            send(http.post(url).bearer_auth(tok).json(&json!({"status": to}))).await
        }));
    }
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap_or_else(|e| panic!("task: {e}")));
    }
    for r in &answers {
        assert!(
            r.status == StatusCode::OK || r.status == StatusCode::CONFLICT,
            "each change either applies or is refused as a transition: {} {}",
            r.status,
            r.text
        );
    }
    let applied = answers
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert!(applied >= 1);
    let lead = app.lead(&tok, &id).await;
    let events = lead["events"].as_array().cloned().unwrap_or_default();
    assert_eq!(events.len(), applied, "one event per applied change");
    assert_eq!(lead["version"], json!(1 + applied));
    // Whatever order they are listed in, the events link up into one path from `new` to
    // the lead's status: no change was applied to a status the lead was not in.
    let mut left: Vec<(String, String)> = events
        .iter()
        .map(|e| {
            (
                e["from"].as_str().unwrap_or("").to_owned(),
                e["to"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let mut at = "new".to_owned();
    while !left.is_empty() {
        let next = left
            .iter()
            .position(|(from, _)| *from == at)
            .unwrap_or_else(|| panic!("no event continues from {at}: {events:?}"));
        at = left.remove(next).1;
    }
    assert_eq!(lead["status"], json!(at));
    assert_board_matches(&app.board(&tok).await, &app.list_all(&tok, "", 100).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn status_events_are_listed_in_the_order_the_changes_were_applied_under_contention() {
    // Changes that race are retried on the fresh version; the event of a retried change must
    // still be listed after the change it lost to.
    let app = App::start(true).await;
    let tok = staff(DEMO);
    for round in 0..4 {
        let id = app
            .create_lead(
                &admin(DEMO),
                &json!({"name": format!("Racing {round}"), "phone": phone()}),
            )
            .await["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let mut tasks = Vec::new();
        for to in [
            "contacted",
            "follow_up",
            "booked",
            "contacted",
            "follow_up",
            "booked",
            "contacted",
            "follow_up",
        ] {
            let http = app.http.clone();
            let url = format!("{}/leads/{id}/status", app.url);
            let tok = tok.clone();
            tasks.push(tokio::spawn(async move {
                send(http.post(url).bearer_auth(tok).json(&json!({"status": to}))).await
            }));
        }
        for t in tasks {
            t.await.unwrap_or_else(|e| panic!("task: {e}"));
        }
        let lead = app.lead(&tok, &id).await;
        let events = lead["events"].as_array().cloned().unwrap_or_default();
        let mut at = "new".to_owned();
        for e in &events {
            assert_eq!(
                e["from"],
                json!(at),
                "round {round}: events oldest first, each starting where the previous ended: {events:#?}"
            );
            at = e["to"].as_str().unwrap_or("").to_owned();
        }
        assert_eq!(lead["status"], json!(at));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_edits_with_the_same_if_match_let_exactly_one_win() {
    let app = App::start(true).await;
    let tok = admin(DEMO);
    let id = app
        .create_lead_id(&tok, &json!({"name": "Edited", "phone": phone()}))
        .await;
    let mut tasks = Vec::new();
    for i in 0..10 {
        let http = app.http.clone();
        let url = format!("{}/leads/{id}", app.url);
        let tok = tok.clone();
        tasks.push(tokio::spawn(async move {
            send(
                http.patch(url)
                    .bearer_auth(tok)
                    .header("if-match", "\"1\"")
                    .json(&json!({"expected_value": 100 * (i + 1)})),
            )
            .await
        }));
    }
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap_or_else(|e| panic!("task: {e}")));
    }
    let winners: Vec<&Resp> = answers
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .collect();
    assert_eq!(
        winners.len(),
        1,
        "{:?}",
        answers.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for r in answers.iter().filter(|r| r.status != StatusCode::OK) {
        r.assert_problem(StatusCode::PRECONDITION_FAILED);
        assert_eq!(r.body["current_version"], json!(2));
    }
    let lead = app.lead(&tok, &id).await;
    assert_eq!(lead["version"], json!(2));
    assert_eq!(lead["expected_value"], winners[0].body["expected_value"]);
    assert_board_matches(&app.board(&tok).await, &app.list_all(&tok, "", 100).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_counting_runs_count_each_lead_exactly_once() {
    let app = App::start_fixed(false).await;
    app.add_tenant("race").await;
    let tok = admin("race");
    for i in 0..30 {
        let mut body = capture_body(&format!("Lead {i}"), &phone());
        if i % 3 == 0 {
            body["gclid"] = json!("g");
        }
        app.capture_ok("race", &body).await;
        if i % 10 == 0 {
            app.advance(minutes(1));
        }
    }
    let before = app.analytics(&tok).await;
    let board = app.board(&tok).await;
    assert_eq!(before["total"], json!(30));
    assert_eq!(before["by_source"], json!({"google_ad": 10, "website": 20}));
    app.advance(chrono::Duration::seconds(61));
    let mut runs = Vec::new();
    for _ in 0..6 {
        let ctx = app.server.ctx.clone();
        runs.push(tokio::spawn(async move {
            crm_functions::workers::count_leads::count_tenant(&ctx, "race").await
        }));
    }
    let mut counted = 0;
    for r in runs {
        counted += r
            .await
            .unwrap_or_else(|e| panic!("task: {e}"))
            .unwrap_or_else(|e| panic!("count: {e}"));
    }
    assert_eq!(counted, 30, "between them the runs counted every lead once");
    assert_eq!(app.analytics(&tok).await, before);
    assert_eq!(app.board(&tok).await, board);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_16_kb_is_413_on_admin_routes_too() {
    let app = App::start(true).await;
    let tok = admin(DEMO);
    let id = app
        .create_lead_id(&tok, &json!({"name": "Sized", "phone": phone()}))
        .await;
    let big = "é".repeat(9 * 1024); // 18 KB of UTF-8
    app.post(
        "/leads",
        &tok,
        &json!({"name": "Big", "phone": phone(), "message": big}),
    )
    .await
    .assert_problem(StatusCode::PAYLOAD_TOO_LARGE);
    app.post(&format!("/leads/{id}/notes"), &tok, &json!({"body": big}))
        .await
        .assert_problem(StatusCode::PAYLOAD_TOO_LARGE);
    patch(&app, &tok, &id, None, &json!({"service": big}))
        .await
        .assert_problem(StatusCode::PAYLOAD_TOO_LARGE);
    app.post(
        &format!("/leads/{id}/status"),
        &tok,
        &json!({"status": "contacted", "reason": big}),
    )
    .await
    .assert_problem(StatusCode::PAYLOAD_TOO_LARGE);
    let lead = app.lead(&tok, &id).await;
    assert_eq!(lead["version"], json!(1));
    assert_eq!(lead["notes"], json!([]));
}
