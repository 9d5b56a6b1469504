//! The Conversions API sender against a stub of Meta's Graph API on a loopback port: the stub
//! checks every request as Meta would (path with the pixel id, token, at most 1,000 events,
//! hashed fields as SHA-256 hex, event id, action source) and answers as it is told (200, 400,
//! 500, or never). Time is a fixed clock; the adapter's timeout is short, so nothing sleeps.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use chrono::{DateTime, TimeZone, Utc};
use crm_functions::workers::send_conversions;
use crm_functions::{Ctx, Ports};
use crm_shared::adapters::local_bus::LocalBus;
use crm_shared::adapters::meta_capi::MetaCapi;
use crm_shared::adapters::sqlite::SqliteStore;
use crm_shared::domain::lead::{Lead, NewLead};
use crm_shared::domain::source::Touch;
use crm_shared::domain::tenant::{MetaSettings, TenantSettings};
use crm_shared::ports::clock::{Clock, FixedClock};
use crm_shared::ports::queue::{pump, QueueName, Received};
use crm_shared::store::{conversions, leads, tenants};
use serde_json::{json, Value};

const TENANT: &str = "spa";
const PIXEL: &str = "1234567890";
const TOKEN: &str = "EAAB-test-token";
const Q: QueueName = QueueName::Conversions;

// ------------------------------------------------------------------ the Graph API stub

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Ok,
    Reject,
    Fail,
    Hang,
}

/// A request the stub accepted as well formed.
#[derive(Debug, Clone)]
struct Seen {
    version: String,
    pixel: String,
    test_event_code: Option<String>,
    events: Vec<Value>,
}

#[derive(Clone)]
struct Stub {
    url: String,
    answer: Arc<Mutex<Answer>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Stub {
    async fn start() -> Stub {
        let stub = Stub {
            url: String::new(),
            answer: Arc::new(Mutex::new(Answer::Ok)),
            seen: Arc::default(),
        };
        let app = Router::new()
            .route("/{version}/{pixel}/events", post(graph_events))
            .with_state(stub.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        Stub {
            url: format!("http://{addr}"),
            ..stub
        }
    }

    fn answer(&self, answer: Answer) {
        *self.answer.lock().expect("lock") = answer;
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }

    fn events(&self) -> Vec<Value> {
        self.seen().into_iter().flat_map(|s| s.events).collect()
    }
}

fn is_sha256_hex(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        s.len() == 64
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// Meta's checks of a request body; the problem found, if any.
fn problem(body: &Value) -> Option<String> {
    if body["access_token"].as_str() != Some(TOKEN) {
        return Some("access_token missing or wrong".into());
    }
    let data = body["data"].as_array()?;
    if data.is_empty() || data.len() > 1000 {
        return Some(format!("data holds {} events", data.len()));
    }
    for e in data {
        if e["event_id"].as_str().is_none_or(str::is_empty) || !e["event_time"].is_i64() {
            return Some(format!("event without id or time: {e}"));
        }
        if !["Lead", "Schedule", "Purchase"].contains(&e["event_name"].as_str().unwrap_or("")) {
            return Some(format!("unexpected event_name {}", e["event_name"]));
        }
        let u = &e["user_data"];
        for field in ["em", "ph", "fn", "ln", "external_id", "country"] {
            if !u[field].is_null() && !is_sha256_hex(&u[field]) {
                return Some(format!("user_data.{field} is not hashed"));
            }
        }
        if u["ph"].is_null() || u["external_id"].is_null() {
            return Some("no ph or external_id".into());
        }
        match e["action_source"].as_str() {
            Some("website") => {
                if e["event_source_url"].as_str().is_none() || u["client_user_agent"].is_null() {
                    return Some("website event without url or user agent".into());
                }
            }
            Some("system_generated") => {
                if e["custom_data"]["event_source"] != "crm" {
                    return Some("CRM event without custom_data.event_source crm".into());
                }
            }
            other => return Some(format!("action_source {other:?}")),
        }
        if e["event_name"] == "Purchase"
            && (!e["custom_data"]["value"].is_number()
                || e["custom_data"]["currency"].as_str().is_none())
        {
            return Some("Purchase without value and currency".into());
        }
    }
    None
}

async fn graph_events(
    State(stub): State<Stub>,
    Path((version, pixel)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    if let Some(problem) = problem(&body)
        .or_else(|| (body["data"].as_array().is_none()).then(|| "no data array".to_owned()))
    {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"message": format!("stub: {problem}"), "code": 100}})),
        );
    }
    stub.seen.lock().expect("lock").push(Seen {
        version,
        pixel,
        test_event_code: body["test_event_code"].as_str().map(str::to_owned),
        events: body["data"].as_array().cloned().unwrap_or_default(),
    });
    let answer = *stub.answer.lock().expect("lock");
    match answer {
        Answer::Ok => (
            StatusCode::OK,
            Json(
                json!({"events_received": body["data"].as_array().map_or(0, Vec::len), "fbtrace_id": "T1"}),
            ),
        ),
        Answer::Reject => (
            StatusCode::BAD_REQUEST,
            Json(
                json!({"error": {"message": "Invalid parameter", "type": "OAuthException",
                "code": 100, "error_subcode": 2804003, "error_user_msg": "event_time too old",
                "fbtrace_id": "T2"}}),
            ),
        ),
        Answer::Fail => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"error": {"message": "An unexpected error has occurred.", "code": 2}})),
        ),
        Answer::Hang => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            (StatusCode::OK, Json(json!({})))
        }
    }
}

// ------------------------------------------------------------------ the product side

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 15, 12, 0, 0)
        .single()
        .unwrap_or_else(Utc::now)
}

struct World {
    ctx: Ctx,
    clock: Arc<FixedClock>,
    stub: Stub,
}

async fn world(meta: bool) -> World {
    let stub = Stub::start().await;
    let clock = Arc::new(FixedClock::at(start()));
    let store = SqliteStore::in_memory().expect("store");
    let mut settings = TenantSettings::new(TENANT, "Day Spa", "IE", "https://book.example.com");
    if meta {
        settings.meta = Some(MetaSettings {
            pixel_id: PIXEL.into(),
            access_token: TOKEN.into(),
            test_event_code: Some("TEST123".into()),
        });
    }
    tenants::create(&store, &settings).await.expect("tenant");
    let capi =
        MetaCapi::with_timeout(&stub.url, "v21.0", Duration::from_millis(300)).expect("client");
    let ctx = Ctx::new(Ports {
        capi: Arc::new(capi),
        ..support::ports(Arc::new(store), Arc::new(LocalBus::new()), clock.clone())
    });
    World { ctx, clock, stub }
}

impl World {
    /// A lead captured from an ad on the landing page, now; its id.
    async fn lead(&self, n: u32, expected_value: i64) -> String {
        let now = self.clock.now();
        let id = format!("01JDC0NV{n:018}");
        let lead = Lead::create(
            TENANT,
            &id,
            NewLead {
                name: "Ann Murphy".into(),
                phone: format!("+35387{n:07}"),
                phone_raw: format!("087 {n:07}"),
                email: Some("ann@example.com".into()),
                expected_value,
                touch: Touch {
                    fbclid: Some("IwAR-click".into()),
                    fbp: Some("fb.1.1700000000000.99".into()),
                    page_url: Some("https://spa.example.com/book".into()),
                    user_agent: Some("Mozilla/5.0 (iPhone)".into()),
                    ip: Some("203.0.113.7".into()),
                    ..Touch::default()
                },
                ..NewLead::default()
            },
            now,
        );
        leads::insert(self.ctx.store.as_ref(), &lead, 48, 24, now)
            .await
            .expect("lead");
        id
    }

    async fn enqueue(&self, body: &str) -> String {
        self.ctx.queue.send(Q, body, 0).await.expect("send")
    }

    /// One pass of the consumer as the local runner makes it (retry after 30 s).
    async fn pump(&self) -> usize {
        let ctx = &self.ctx;
        pump(ctx.queue.as_ref(), Q, 60, 30, |batch| {
            send_conversions::consume(ctx, batch)
        })
        .await
        .expect("pump")
    }

    async fn visible(&self) -> usize {
        let got = self.ctx.queue.receive(Q, 10, 1).await.expect("receive");
        for m in &got {
            self.ctx
                .queue
                .release(Q, &m.receipt, 0)
                .await
                .expect("release");
        }
        got.len()
    }

    async fn dead_letters(&self) -> Vec<(String, Option<String>)> {
        self.ctx
            .queue
            .dead_letters(Q, 10)
            .await
            .expect("dlq")
            .into_iter()
            .map(|d| (d.body, d.reason))
            .collect()
    }

    async fn sent(&self, event_id: &str) -> bool {
        conversions::was_sent(self.ctx.store.as_ref(), TENANT, event_id)
            .await
            .expect("marker")
    }
}

fn captured(lead_id: &str) -> String {
    json!({"version": "0", "detail-type": "lead.captured", "source": "pipeline.crm",
        "detail": {"event_id": format!("lead.captured:{lead_id}"), "tenant_id": TENANT,
            "lead_id": lead_id, "source": "meta_ad", "created_at": start()}})
    .to_string()
}

fn status_changed(lead_id: &str, to: &str, at: DateTime<Utc>) -> String {
    json!({"version": "0", "detail-type": "lead.status_changed", "source": "pipeline.crm",
        "detail": {"event_id": format!("lead.status_changed:{lead_id}:{to}"), "tenant_id": TENANT,
            "lead_id": lead_id, "from": "new", "to": to, "actor": "u1", "at": at}})
    .to_string()
}

fn message(i: usize, body: String) -> Received {
    Received {
        message_id: format!("m{i}"),
        receipt: format!("r{i}"),
        body,
        receive_count: 1,
    }
}

// ------------------------------------------------------------------ behaviour

#[tokio::test]
async fn a_capture_is_sent_as_a_website_lead_event_and_marked_sent() {
    let w = world(true).await;
    let id = w.lead(1, 0).await;
    w.enqueue(&captured(&id)).await;
    assert_eq!(w.pump().await, 1);
    assert!(
        w.dead_letters().await.is_empty(),
        "{:?}",
        w.dead_letters().await
    );
    let seen = w.stub.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].pixel, PIXEL);
    assert_eq!(seen[0].version, "v21.0");
    assert_eq!(seen[0].test_event_code.as_deref(), Some("TEST123"));
    let e = &seen[0].events[0];
    assert_eq!(e["event_name"], "Lead");
    assert_eq!(e["event_id"], id.as_str());
    assert_eq!(e["action_source"], "website");
    assert_eq!(e["event_time"], start().timestamp());
    assert_eq!(e["event_source_url"], "https://spa.example.com/book");
    let u = &e["user_data"];
    // printf %s 'ann@example.com' | sha256sum ; printf %s '353870000001' | sha256sum
    assert_eq!(
        u["em"],
        "71d4f55f72fa128dfb468a1a3901507c804b74316488744d769d7f4b16696476"
    );
    assert_eq!(
        u["ph"],
        "6e27180623232925adca1800e4224c534fc440359523c4e07768daad4df5f1e5"
    );
    assert_eq!(u["client_ip_address"], "203.0.113.7");
    assert_eq!(u["client_user_agent"], "Mozilla/5.0 (iPhone)");
    assert_eq!(
        u["fbc"],
        format!("fb.1.{}.IwAR-click", start().timestamp_millis())
    );
    assert_eq!(u["fbp"], "fb.1.1700000000000.99");

    assert!(w.sent(&id).await, "marked sent");
    w.clock.advance(chrono::Duration::minutes(5));
    assert_eq!(w.visible().await, 0, "the message is deleted");
    assert!(w.dead_letters().await.is_empty());
}

#[tokio::test]
async fn a_redelivered_message_is_not_sent_twice() {
    let w = world(true).await;
    let id = w.lead(1, 0).await;
    // The same event twice in one batch, then again later (SQS delivers at least once).
    w.enqueue(&captured(&id)).await;
    w.enqueue(&captured(&id)).await;
    assert_eq!(w.pump().await, 2);
    w.enqueue(&captured(&id)).await;
    assert_eq!(w.pump().await, 1);
    let seen = w.stub.seen();
    assert_eq!(seen.len(), 1, "one request");
    assert_eq!(seen[0].events.len(), 1, "one event");
    assert_eq!(w.visible().await, 0);
}

#[tokio::test]
async fn booked_and_won_are_crm_events_and_other_changes_send_nothing() {
    let w = world(true).await;
    let id = w.lead(1, 4550).await;
    let at = start() + chrono::Duration::hours(2);
    w.enqueue(&status_changed(&id, "contacted", at)).await;
    w.enqueue(&status_changed(&id, "booked", at)).await;
    w.enqueue(&status_changed(&id, "won", at)).await;
    assert_eq!(w.pump().await, 3);
    let events = w.stub.events();
    let names: Vec<&str> = events
        .iter()
        .filter_map(|e| e["event_name"].as_str())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"Schedule") && names.contains(&"Purchase"));
    for e in &events {
        assert_eq!(e["action_source"], "system_generated");
        assert_eq!(e["custom_data"]["event_source"], "crm");
        assert_eq!(e["event_time"], at.timestamp());
        assert!(e["user_data"]["client_ip_address"].is_null());
    }
    let purchase = events
        .iter()
        .find(|e| e["event_name"] == "Purchase")
        .expect("purchase");
    assert_eq!(purchase["event_id"], format!("purchase-{id}"));
    assert_eq!(purchase["custom_data"]["value"], 45.5);
    assert_eq!(purchase["custom_data"]["currency"], "EUR");
    assert!(w.sent(&format!("schedule-{id}")).await);
    assert_eq!(w.visible().await, 0);
}

#[tokio::test]
async fn a_refusal_puts_the_message_in_the_dead_letter_queue_with_the_reason() {
    let w = world(true).await;
    let id = w.lead(1, 0).await;
    w.stub.answer(Answer::Reject);
    w.enqueue(&captured(&id)).await;
    assert_eq!(w.pump().await, 1);
    let dead = w.dead_letters().await;
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].0, captured(&id));
    let reason = dead[0].1.clone().unwrap_or_default();
    assert!(
        reason.contains("HTTP 400") && reason.contains("event_time too old"),
        "{reason}"
    );
    assert!(!reason.contains(TOKEN), "no token in the reason");
    w.clock.advance(chrono::Duration::hours(1));
    assert_eq!(w.visible().await, 0, "not retried");
    assert!(!w.sent(&id).await);
}

#[tokio::test]
async fn a_server_error_is_reported_failed_and_retried() {
    let w = world(true).await;
    let id = w.lead(1, 0).await;
    w.stub.answer(Answer::Fail);
    let batch = vec![message(0, captured(&id))];
    let outcome = send_conversions::consume(&w.ctx, batch).await;
    assert_eq!(outcome.failed, vec!["m0".to_owned()]);

    // Through the queue: it comes back after the retry delay and goes once Meta is back.
    w.enqueue(&captured(&id)).await;
    assert_eq!(w.pump().await, 1);
    assert_eq!(w.visible().await, 0, "held back for the retry delay");
    w.clock.advance(chrono::Duration::seconds(31));
    w.stub.answer(Answer::Ok);
    assert_eq!(w.pump().await, 1);
    assert!(w.sent(&id).await);
    assert!(w.dead_letters().await.is_empty());
}

#[tokio::test]
async fn a_timeout_is_retried() {
    let w = world(true).await;
    let id = w.lead(1, 0).await;
    w.stub.answer(Answer::Hang);
    let outcome = send_conversions::consume(&w.ctx, vec![message(0, captured(&id))]).await;
    assert_eq!(outcome.failed, vec!["m0".to_owned()]);
    assert!(!w.sent(&id).await);
    assert!(w.dead_letters().await.is_empty());
}

#[tokio::test]
async fn more_than_a_thousand_events_go_in_two_requests() {
    let w = world(true).await;
    let mut batch = Vec::new();
    for n in 0..1001 {
        let id = w.lead(n, 0).await;
        batch.push(message(n as usize, captured(&id)));
    }
    let outcome = send_conversions::consume(&w.ctx, batch).await;
    assert!(outcome.failed.is_empty());
    let sizes: Vec<usize> = w.stub.seen().iter().map(|s| s.events.len()).collect();
    assert_eq!(sizes, vec![1000, 1]);
}

#[tokio::test]
async fn events_older_than_seven_days_are_dropped_and_recorded() {
    let w = world(true).await;
    let id = w.lead(1, 0).await;
    w.clock.advance(chrono::Duration::days(8));
    w.enqueue(&captured(&id)).await;
    assert_eq!(w.pump().await, 1);
    assert!(w.stub.seen().is_empty(), "nothing sent");
    let dropped = conversions::dropped(w.ctx.store.as_ref(), TENANT, 10)
        .await
        .expect("dropped");
    assert_eq!(dropped.len(), 1);
    assert_eq!(dropped[0].event_id, id);
    assert_eq!(dropped[0].event_name, "Lead");
    assert!(dropped[0].reason.contains("7 days"));
    assert_eq!(w.visible().await, 0);
    assert!(w.dead_letters().await.is_empty());
}

#[tokio::test]
async fn a_tenant_without_meta_sends_nothing_and_nothing_fails() {
    let w = world(false).await;
    let id = w.lead(1, 0).await;
    w.enqueue(&captured(&id)).await;
    assert_eq!(w.pump().await, 1);
    assert!(w.stub.seen().is_empty());
    assert_eq!(w.visible().await, 0);
    assert!(w.dead_letters().await.is_empty());
}

#[tokio::test]
async fn a_malformed_message_goes_to_the_dead_letter_queue_and_the_rest_are_sent() {
    let w = world(true).await;
    let id = w.lead(1, 0).await;
    w.enqueue("{not json").await;
    w.enqueue(
        &json!({"detail-type": "lead.captured", "detail": {"tenant_id": TENANT}}).to_string(),
    )
    .await;
    w.enqueue(&captured(&id)).await;
    assert_eq!(w.pump().await, 3);
    let dead = w.dead_letters().await;
    assert_eq!(dead.len(), 2);
    assert!(dead
        .iter()
        .all(|(_, reason)| reason.as_deref().is_some_and(|r| !r.is_empty())));
    assert_eq!(w.stub.seen().len(), 1);
    assert_eq!(w.visible().await, 0);
}

#[tokio::test]
async fn a_won_lead_is_a_purchase_worth_its_paid_booking() {
    let w = world(true).await;
    let id = w.lead(7, 1000).await;
    let start_at = start() + chrono::Duration::days(1);
    for (kind, version, extra) in [
        ("BookingCreated", 1, json!({})),
        (
            "BookingCompleted",
            2,
            json!({"amount": 8550, "currency": "EUR", "paid": true}),
        ),
    ] {
        let mut detail = json!({"tenant_id": TENANT, "booking_id": "BK-7", "version": version,
            "start": start_at, "lead_id": id, "customer": {"phone": "+353870000007"}});
        if let (Some(d), Some(e)) = (detail.as_object_mut(), extra.as_object()) {
            d.extend(e.clone());
        }
        crm_functions::workers::ingest_booking::handle(
            &w.ctx,
            json!({"detail-type": kind, "source": crm_shared::ports::bus::BOOKING_SOURCE, "detail": detail}),
        )
        .await
        .unwrap_or_else(|e| panic!("{kind}: {e}"));
    }
    let lead = leads::get(w.ctx.store.as_ref(), TENANT, &id)
        .await
        .expect("get")
        .expect("lead");
    assert_eq!(lead.status.as_str(), "won");
    w.enqueue(&status_changed(&id, "won", start())).await;
    assert_eq!(w.pump().await, 1);
    let events = w.stub.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["event_name"], "Purchase");
    assert_eq!(
        events[0]["custom_data"]["value"], 85.5,
        "the paid amount, not the expected value"
    );
    assert_eq!(events[0]["custom_data"]["currency"], "EUR");
}
