//! The SMS sender (`workers::send_sms`) with its real parts: the Twilio REST adapter against a
//! local stub of Twilio's Messages endpoint (which checks the basic auth and the form fields,
//! and answers as told), the local queue and the SQLite store. The clock is a `FixedClock`
//! moved by hand: quiet hours and delays never make a test wait.

mod support;

use crm_shared::adapters::local_vault::LocalVault;
use crm_shared::domain::secret::{Purpose, PLATFORM};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine;
use chrono::{DateTime, Utc};
use crm_functions::usecases::messaging::{enqueue, Outgoing};
use crm_functions::workers::send_sms;
use crm_functions::{Ctx, Ports};
use crm_shared::adapters::local_bus::LocalBus;
use crm_shared::adapters::sqlite::SqliteStore;
use crm_shared::adapters::twilio::{TwilioConfig, TwilioSms};
use crm_shared::domain::customer::Profile;
use crm_shared::domain::message::{MessageKind, MessageStatus};
use crm_shared::domain::tenant::TenantSettings;
use crm_shared::ports::clock::FixedClock;
use crm_shared::ports::queue::{pump, QueueName};
use crm_shared::ports::sms::{Sms, SmsError, SmsProvider};
use crm_shared::store::customers;
use crm_shared::store::{messages, tenants};
use serde_json::{json, Value};

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "stub-auth-token";

/// How the stub answers the next requests.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Answer {
    Created,
    /// Created, with this provider id.
    CreatedAs(&'static str),
    InvalidNumber,
    Unavailable,
    Hang,
}

#[derive(Clone)]
struct Stub {
    answer: Arc<Mutex<Answer>>,
    /// Form fields of every request that passed the checks.
    received: Arc<Mutex<Vec<HashMap<String, String>>>>,
}

async fn messages_endpoint(
    State(stub): State<Stub>,
    Path(account): Path<String>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, Json<Value>) {
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{SID}:{TOKEN}"))
    );
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if account != SID || auth != expected {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"code": 20003, "message": "Authenticate"})),
        );
    }
    let form: HashMap<String, String> = serde_urlencoded::from_str(&body).unwrap_or_default();
    let to_ok = form.get("To").is_some_and(|t| t.starts_with('+'));
    let body_ok = form.get("Body").is_some_and(|b| !b.is_empty());
    let sender_ok = form.contains_key("From") || form.contains_key("MessagingServiceSid");
    if !(to_ok && body_ok && sender_ok) {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"code": 21604, "message": "form fields missing"})),
        );
    }
    let answer = *stub.answer.lock().expect("answer");
    match answer {
        Answer::Created => {
            stub.received.lock().expect("received").push(form);
            (
                StatusCode::CREATED,
                Json(json!({"sid": format!("SM{}", ulid::Ulid::new()), "status": "queued"})),
            )
        }
        Answer::CreatedAs(sid) => {
            stub.received.lock().expect("received").push(form);
            (
                StatusCode::CREATED,
                Json(json!({"sid": sid, "status": "queued"})),
            )
        }
        Answer::InvalidNumber => (
            StatusCode::BAD_REQUEST,
            Json(json!({"code": 21211, "message": "Invalid 'To' Phone Number"})),
        ),
        Answer::Unavailable => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"code": 20500, "message": "Internal Server Error"})),
        ),
        Answer::Hang => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            (StatusCode::CREATED, Json(json!({"sid": "late"})))
        }
    }
}

async fn start_stub() -> (String, Stub) {
    let stub = Stub {
        answer: Arc::new(Mutex::new(Answer::Created)),
        received: Arc::default(),
    };
    let app = Router::new()
        .route(
            "/2010-04-01/Accounts/{account}/Messages.json",
            post(messages_endpoint),
        )
        .with_state(stub.clone());
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), stub)
}

/// The provider on the stub, its auth token sealed as the stack holds it (the stub checks
/// the opened token in the basic auth).
fn twilio(base_url: &str) -> TwilioSms {
    let vault = LocalVault::ephemeral();
    let token = vault
        .seal_now(PLATFORM, Purpose::SmsProvider, TOKEN)
        .expect("seal");
    TwilioSms::new(
        TwilioConfig {
            base_url: base_url.to_owned(),
            account_sid: SID.into(),
            auth_token: token,
            default_from: Some("+15005550006".into()),
            timeout: Duration::from_millis(300),
        },
        Arc::new(vault),
    )
    .expect("client")
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("time").to_utc()
}

struct World {
    ctx: Ctx,
    clock: Arc<FixedClock>,
    stub: Stub,
    settings: TenantSettings,
    customer: String,
}

/// A tenant in Dublin (quiet 20:00–09:00), one customer with a phone, the sender wired to
/// the stub; the clock at noon in Dublin (winter, UTC).
async fn world() -> World {
    world_with(|_| {}).await
}

/// [`world`], its settings changed by `change` first.
async fn world_with(change: impl FnOnce(&mut TenantSettings)) -> World {
    let (url, stub) = start_stub().await;
    let clock = Arc::new(FixedClock::at(utc("2026-01-14T12:00:00Z")));
    let store = SqliteStore::in_memory().expect("store");
    let mut settings = TenantSettings::new("glow", "Glow Spa", "IE", "https://book.example/glow");
    settings.review_url = Some("https://g.page/r/glow".into());
    change(&mut settings);
    tenants::create(&store, &settings).await.expect("tenant");
    let ctx = Ctx::new(Ports {
        sms: Arc::new(twilio(&url)),
        ..support::ports(Arc::new(store), Arc::new(LocalBus::new()), clock.clone())
    })
    .with_public_url("https://api.example.ie/prod/");
    let customer = customers::create(
        ctx.store.as_ref(),
        &settings,
        &Profile {
            name: Some("Aoife Byrne".into()),
            phones: Some(vec!["+353871234567".into()]),
            ..Profile::default()
        },
        &Default::default(),
        clock.now_utc(),
    )
    .await
    .expect("customer")
    .id;
    World {
        ctx,
        clock,
        stub,
        settings,
        customer,
    }
}

trait Now {
    fn now_utc(&self) -> DateTime<Utc>;
}
impl Now for FixedClock {
    fn now_utc(&self) -> DateTime<Utc> {
        crm_shared::ports::clock::Clock::now(self)
    }
}

impl World {
    fn outgoing(&self, id: &str, kind: MessageKind, body: Option<&str>) -> Outgoing {
        Outgoing {
            id: id.into(),
            kind,
            to: "+353871234567".into(),
            name: "Aoife Byrne".into(),
            customer_id: Some(self.customer.clone()),
            lead_id: None,
            missed_call_id: None,
            body: body.map(str::to_owned),
            not_before: self.clock.now_utc(),
            created_by: "test".into(),
        }
    }

    /// Runs the consumer over what is visible now, as Lambda would, until nothing is.
    async fn drain(&self) -> usize {
        let mut total = 0;
        loop {
            let n = pump(self.ctx.queue.as_ref(), QueueName::Sms, 180, 30, |batch| {
                send_sms::consume(&self.ctx, batch)
            })
            .await
            .expect("pump");
            if n == 0 {
                return total;
            }
            total += n;
        }
    }

    /// A manual text `id` to `to`.
    fn text_to(&self, id: &str, to: &str) -> Outgoing {
        Outgoing {
            to: to.into(),
            ..self.outgoing(id, MessageKind::Manual, Some("Hello"))
        }
    }

    async fn status(&self, id: &str) -> (MessageStatus, Option<String>) {
        let m = messages::get(self.ctx.store.as_ref(), "glow", id)
            .await
            .expect("get")
            .expect("message");
        (m.status, m.reason)
    }

    fn sent(&self) -> Vec<HashMap<String, String>> {
        self.stub.received.lock().expect("received").clone()
    }

    fn answer(&self, a: Answer) {
        *self.stub.answer.lock().expect("answer") = a;
    }
}

#[tokio::test]
async fn a_queued_text_is_sent_through_the_provider_with_its_template_filled() {
    let w = world().await;
    enqueue(
        &w.ctx,
        &w.settings,
        w.outgoing("m1", MessageKind::ReviewRequest, None),
    )
    .await
    .expect("enqueue");
    assert_eq!(w.drain().await, 1);
    let sent = w.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["To"], "+353871234567");
    assert_eq!(sent[0]["From"], "+15005550006");
    // Its delivery is reported to the sending tenant's own hook.
    assert_eq!(
        sent[0]["StatusCallback"],
        "https://api.example.ie/prod/hooks/glow/sms-status"
    );
    assert_eq!(
        sent[0]["Body"],
        "Thanks for visiting Glow Spa, Aoife! Would you leave us a quick review? https://g.page/r/glow"
    );
    assert_eq!(w.status("m1").await, (MessageStatus::Sent, None));
    let c = customers::get(w.ctx.store.as_ref(), "glow", &w.customer)
        .await
        .expect("get")
        .expect("customer");
    assert_eq!(c.review_requested_at, Some(w.clock.now_utc()));
    let timeline = customers::timeline_page(
        w.ctx.store.as_ref(),
        "glow",
        &w.customer,
        &[],
        None,
        50,
        None,
    )
    .await
    .expect("timeline");
    let statuses: Vec<&str> = timeline
        .0
        .iter()
        .filter(|e| e.kind == "message")
        .filter_map(|e| e.data["status"].as_str())
        .collect();
    assert_eq!(statuses, ["sent", "queued"], "newest first");
}

#[tokio::test]
async fn quiet_hours_delay_a_text_to_their_end_and_never_drop_it() {
    let w = world().await;
    w.clock.set(utc("2026-01-14T21:30:00Z")); // 21:30 in Dublin
    enqueue(
        &w.ctx,
        &w.settings,
        w.outgoing("late", MessageKind::Manual, Some("Hello")),
    )
    .await
    .expect("enqueue");
    w.drain().await;
    assert!(w.sent().is_empty(), "nothing goes out at night");
    let m = messages::get(w.ctx.store.as_ref(), "glow", "late")
        .await
        .expect("get")
        .expect("message");
    assert_eq!(m.status, MessageStatus::Queued);
    assert_eq!(m.not_before, utc("2026-01-15T09:00:00Z"), "waits for 09:00");
    // The night passes in the queue's 15-minute hops; nothing is sent before 09:00.
    while w.clock.now_utc() < utc("2026-01-15T08:59:00Z") {
        w.clock.advance(chrono::Duration::minutes(15));
        w.drain().await;
        if w.clock.now_utc() < utc("2026-01-15T09:00:00Z") {
            assert!(w.sent().is_empty(), "sent at {}", w.clock.now_utc());
        }
    }
    w.clock.set(utc("2026-01-15T09:00:00Z"));
    w.drain().await;
    assert_eq!(w.sent().len(), 1);
    assert_eq!(w.status("late").await.0, MessageStatus::Sent);
}

#[tokio::test]
async fn a_text_due_later_waits_for_its_time() {
    let w = world().await;
    let mut out = w.outgoing("in2h", MessageKind::Manual, Some("See you"));
    out.not_before = w.clock.now_utc() + chrono::Duration::hours(2);
    enqueue(&w.ctx, &w.settings, out).await.expect("enqueue");
    w.clock.advance(chrono::Duration::minutes(119));
    for _ in 0..10 {
        w.drain().await;
    }
    assert!(w.sent().is_empty());
    w.clock.advance(chrono::Duration::minutes(16));
    w.drain().await;
    assert_eq!(w.sent().len(), 1);
}

#[tokio::test]
async fn an_opted_out_number_gets_nothing_and_the_message_says_why() {
    let w = world().await;
    messages::set_opt_out(
        w.ctx.store.as_ref(),
        "glow",
        "+353871234567",
        true,
        Some(&w.customer),
        w.clock.now_utc(),
    )
    .await
    .expect("opt out");
    enqueue(
        &w.ctx,
        &w.settings,
        w.outgoing("m", MessageKind::MissedCall, None),
    )
    .await
    .expect("enqueue");
    w.drain().await;
    assert!(w.sent().is_empty());
    assert_eq!(
        w.status("m").await,
        (
            MessageStatus::Skipped,
            Some("the number opted out (STOP)".into())
        )
    );
}

#[tokio::test]
async fn marketing_texts_need_consent() {
    let w = world().await;
    enqueue(
        &w.ctx,
        &w.settings,
        w.outgoing("promo", MessageKind::Milestone, None),
    )
    .await
    .expect("enqueue");
    w.drain().await;
    assert!(w.sent().is_empty());
    assert_eq!(
        w.status("promo").await,
        (
            MessageStatus::Skipped,
            Some("no consent to marketing texts".into())
        )
    );
}

#[tokio::test]
async fn one_review_request_per_ninety_days() {
    let w = world().await;
    enqueue(
        &w.ctx,
        &w.settings,
        w.outgoing("r1", MessageKind::ReviewRequest, None),
    )
    .await
    .expect("enqueue");
    w.drain().await;
    w.clock.advance(chrono::Duration::days(89));
    enqueue(
        &w.ctx,
        &w.settings,
        w.outgoing("r2", MessageKind::ReviewRequest, None),
    )
    .await
    .expect("enqueue");
    w.drain().await;
    assert_eq!(w.sent().len(), 1);
    assert_eq!(w.status("r2").await.0, MessageStatus::Skipped);
    w.clock.advance(chrono::Duration::days(2));
    enqueue(
        &w.ctx,
        &w.settings,
        w.outgoing("r3", MessageKind::ReviewRequest, None),
    )
    .await
    .expect("enqueue");
    w.drain().await;
    assert_eq!(w.sent().len(), 2, "91 days later, again");
}

#[tokio::test]
async fn the_same_work_queued_twice_is_sent_once() {
    let w = world().await;
    for _ in 0..2 {
        enqueue(
            &w.ctx,
            &w.settings,
            w.outgoing("once", MessageKind::Manual, Some("Hi")),
        )
        .await
        .expect("enqueue");
    }
    // A redelivered task (at least once) finds the message sent and does nothing.
    let task = json!({"tenant_id": "glow", "message_id": "once"}).to_string();
    w.drain().await;
    w.ctx
        .queue
        .send(QueueName::Sms, &task, 0)
        .await
        .expect("send");
    w.drain().await;
    assert_eq!(w.sent().len(), 1);
}

#[tokio::test]
async fn a_refused_text_fails_and_waits_in_the_dead_letter_queue_with_the_reason() {
    let w = world().await;
    w.answer(Answer::InvalidNumber);
    enqueue(
        &w.ctx,
        &w.settings,
        w.outgoing("bad", MessageKind::Manual, Some("Hi")),
    )
    .await
    .expect("enqueue");
    w.drain().await;
    let (status, reason) = w.status("bad").await;
    assert_eq!(status, MessageStatus::Failed);
    assert_eq!(
        reason.as_deref(),
        Some("HTTP 400 code 21211: Invalid 'To' Phone Number")
    );
    let dead = w
        .ctx
        .queue
        .dead_letters(QueueName::Sms, 10)
        .await
        .expect("dlq");
    assert_eq!(dead.len(), 1);
    assert_eq!(
        dead[0].reason.as_deref(),
        Some("HTTP 400 code 21211: Invalid 'To' Phone Number")
    );
    assert!(dead[0].body.contains("\"bad\""));
}

#[tokio::test]
async fn an_unavailable_provider_is_retried_then_the_text_is_parked_with_the_last_error() {
    let w = world().await;
    w.answer(Answer::Unavailable);
    enqueue(
        &w.ctx,
        &w.settings,
        w.outgoing("flaky", MessageKind::Manual, Some("Hi")),
    )
    .await
    .expect("enqueue");
    for attempt in 1..=4 {
        w.drain().await;
        assert_eq!(
            w.status("flaky").await.0,
            MessageStatus::Queued,
            "attempt {attempt}"
        );
        w.clock.advance(chrono::Duration::seconds(31));
    }
    w.drain().await;
    let (status, reason) = w.status("flaky").await;
    assert_eq!(status, MessageStatus::Failed);
    assert!(
        reason
            .as_deref()
            .is_some_and(|r| r.starts_with("gave up after 5 attempts: HTTP 503")),
        "{reason:?}"
    );
    let dead = w
        .ctx
        .queue
        .dead_letters(QueueName::Sms, 10)
        .await
        .expect("dlq");
    assert_eq!(dead.len(), 1);
}

#[tokio::test]
async fn a_provider_that_recovers_sends_on_the_retry() {
    let w = world().await;
    w.answer(Answer::Hang);
    enqueue(
        &w.ctx,
        &w.settings,
        w.outgoing("slow", MessageKind::Manual, Some("Hi")),
    )
    .await
    .expect("enqueue");
    w.drain().await;
    assert_eq!(
        w.status("slow").await.0,
        MessageStatus::Queued,
        "a timeout is retried"
    );
    w.answer(Answer::Created);
    w.clock.advance(chrono::Duration::seconds(31));
    w.drain().await;
    assert_eq!(w.status("slow").await.0, MessageStatus::Sent);
}

#[tokio::test]
async fn the_twilio_adapter_uses_a_messaging_service_and_reports_bad_credentials_as_refusals() {
    let (url, stub) = start_stub().await;
    let sms = twilio(&url);
    let id = sms
        .send(&Sms {
            to: "+353871234567".into(),
            from: Some("MG0123456789".into()),
            body: "hi".into(),
            status_callback: None,
        })
        .await
        .expect("sent");
    assert!(id.starts_with("SM"));
    assert_eq!(
        stub.received.lock().expect("r")[0]
            .get("MessagingServiceSid")
            .map(String::as_str),
        Some("MG0123456789")
    );
    let vault = LocalVault::ephemeral();
    let wrong_token = vault
        .seal_now(PLATFORM, Purpose::SmsProvider, "wrong")
        .expect("seal");
    let wrong = TwilioSms::new(
        TwilioConfig {
            base_url: url,
            account_sid: SID.into(),
            auth_token: wrong_token,
            default_from: None,
            timeout: Duration::from_secs(2),
        },
        Arc::new(vault),
    )
    .expect("client");
    let got = wrong
        .send(&Sms {
            to: "+353871234567".into(),
            from: Some("+15005550006".into()),
            body: "hi".into(),
            status_callback: None,
        })
        .await;
    assert_eq!(
        got,
        Err(SmsError::Rejected(
            "HTTP 401 code 20003: Authenticate".into()
        ))
    );
}

#[tokio::test]
async fn two_tasks_for_one_message_handled_at_once_send_it_once() {
    let w = world().await;
    enqueue(
        &w.ctx,
        &w.settings,
        w.outgoing("twice", MessageKind::Manual, Some("Hi")),
    )
    .await
    .expect("enqueue");
    // The same work queued again while the first task waits: a second task, same message.
    let task = json!({"tenant_id": "glow", "message_id": "twice"}).to_string();
    w.ctx
        .queue
        .send(QueueName::Sms, &task, 0)
        .await
        .expect("send");
    let first = w
        .ctx
        .queue
        .receive(QueueName::Sms, 1, 180)
        .await
        .expect("receive");
    let second = w
        .ctx
        .queue
        .receive(QueueName::Sms, 1, 180)
        .await
        .expect("receive");
    assert_eq!((first.len(), second.len()), (1, 1));
    let (a, b) = tokio::join!(
        send_sms::consume(&w.ctx, first),
        send_sms::consume(&w.ctx, second)
    );
    assert_eq!(w.sent().len(), 1, "one text, whoever won");
    assert!(a.failed.len() + b.failed.len() <= 1, "{a:?} {b:?}");
    assert_eq!(w.status("twice").await.0, MessageStatus::Sent);
}

#[tokio::test]
async fn a_delivery_report_that_beats_the_sends_write_is_folded_into_it() {
    // The provider can call back between accepting a text and our write of its id; the
    // report is parked under that id (the status hook's 202) and the send records it.
    let w = world().await;
    let sid = "SM00000000000000000000000000early";
    w.answer(Answer::CreatedAs(sid));
    let store = w.ctx.store.as_ref();
    let report = messages::ParkedReport {
        status: MessageStatus::Failed,
        reason: Some("carrier reported undelivered (error 30003)".into()),
    };
    messages::park_report(store, "glow", sid, &report, w.clock.now_utc())
        .await
        .expect("park");
    assert_eq!(
        messages::parked_report(store, "glow", sid)
            .await
            .expect("read"),
        Some(report.clone())
    );
    assert!(messages::by_provider_id(store, "glow", sid)
        .await
        .expect("read")
        .is_none());
    enqueue(
        &w.ctx,
        &w.settings,
        w.outgoing("early", MessageKind::Manual, Some("Hello")),
    )
    .await
    .expect("enqueue");
    assert_eq!(w.drain().await, 1);
    assert_eq!(w.sent().len(), 1, "sent once");
    assert_eq!(
        w.status("early").await,
        (MessageStatus::Failed, report.reason.clone())
    );
    let found = messages::by_provider_id(store, "glow", sid)
        .await
        .expect("read")
        .expect("the id names the message now");
    assert_eq!(found.id, "early");
    assert!(found.sent_at.is_some());
    assert_eq!(
        messages::parked_report(store, "glow", sid)
            .await
            .expect("read"),
        None,
        "the parked report is used up"
    );
    // Once the id names a message, a report is applied to it, never parked.
    let late = messages::ParkedReport {
        status: MessageStatus::Delivered,
        reason: None,
    };
    assert!(matches!(
        messages::park_report(store, "glow", sid, &late, w.clock.now_utc()).await,
        Err(crm_shared::ports::store::StoreError::ConditionFailed(
            "provider_known"
        ))
    ));
}

#[tokio::test]
async fn a_message_another_sender_claimed_is_left_alone_until_the_claim_is_stale() {
    // A task that reads the message after another's claim (the other is mid-send) must not
    // send it too; if that sender died unrecorded, the claim lapses and the text goes.
    let w = world().await;
    enqueue(
        &w.ctx,
        &w.settings,
        w.outgoing("held", MessageKind::Manual, Some("Hi")),
    )
    .await
    .expect("enqueue");
    let store = w.ctx.store.as_ref();
    let before = messages::get(store, "glow", "held")
        .await
        .expect("get")
        .expect("message");
    let mut claimed = before.clone();
    claimed.claimed_at = Some(w.clock.now_utc());
    messages::update(store, &before, claimed, w.clock.now_utc())
        .await
        .expect("claim");
    w.drain().await;
    assert_eq!(w.sent().len(), 0, "the claim holds");
    assert_eq!(w.status("held").await.0, MessageStatus::Queued);
    w.clock.advance(chrono::Duration::seconds(61));
    w.drain().await;
    assert_eq!(w.sent().len(), 1, "a stale claim does not");
    assert_eq!(w.status("held").await.0, MessageStatus::Sent);
}

#[tokio::test]
async fn texts_go_only_to_the_businesss_countries_and_never_to_premium_rate_lines() {
    let w = world().await;
    for (id, to) in [
        ("gb", "+447911123456"),
        ("premium-ie", "+3531550123456"),
        ("premium-gb", "+449098790000"),
    ] {
        enqueue(&w.ctx, &w.settings, w.text_to(id, to))
            .await
            .expect("enqueue");
    }
    w.drain().await;
    assert!(w.sent().is_empty(), "{:?}", w.sent());
    let (status, reason) = w.status("gb").await;
    assert_eq!(status, MessageStatus::Skipped);
    assert_eq!(
        reason.as_deref(),
        Some("texts to +44 numbers are not allowed for this business (texting: IE)")
    );
    for id in ["premium-ie", "premium-gb"] {
        let (status, reason) = w.status(id).await;
        assert_eq!(status, MessageStatus::Skipped, "{id}");
        assert!(reason.unwrap_or_default().contains("premium-rate"), "{id}");
    }
    // A business that texts the UK too.
    let w = world_with(|s| s.sms_countries = vec!["GB".into(), "IE".into()]).await;
    enqueue(&w.ctx, &w.settings, w.text_to("gb", "+447911123456"))
        .await
        .expect("enqueue");
    w.drain().await;
    assert_eq!(w.status("gb").await, (MessageStatus::Sent, None));
}

#[tokio::test]
async fn daily_caps_hold_back_texts_to_one_number_and_from_the_business_saying_why() {
    let w = world_with(|s| {
        s.sms_limits = crm_shared::domain::tenant::SmsLimits {
            per_number_per_day: 2,
            per_day: 3,
        }
    })
    .await;
    for id in ["a1", "a2", "a3"] {
        enqueue(&w.ctx, &w.settings, w.text_to(id, "+353871234567"))
            .await
            .expect("enqueue");
        w.drain().await;
    }
    assert_eq!(w.status("a2").await, (MessageStatus::Sent, None));
    assert_eq!(
        w.status("a3").await,
        (
            MessageStatus::Skipped,
            Some("held back: 2 texts to this number today already (the daily cap)".into())
        )
    );
    for (id, to) in [("b1", "+353861111111"), ("c1", "+353862222222")] {
        enqueue(&w.ctx, &w.settings, w.text_to(id, to))
            .await
            .expect("enqueue");
        w.drain().await;
    }
    assert_eq!(w.status("b1").await, (MessageStatus::Sent, None));
    assert_eq!(
        w.status("c1").await,
        (
            MessageStatus::Skipped,
            Some("held back: 3 texts from the business today already (the daily cap)".into())
        )
    );
    assert_eq!(w.sent().len(), 3);
    // The held-back text shows on the customer's timeline with its reason.
    let timeline = customers::timeline_page(
        w.ctx.store.as_ref(),
        "glow",
        &w.customer,
        &[],
        None,
        50,
        None,
    )
    .await
    .expect("timeline");
    assert!(
        timeline.0.iter().any(|e| e.kind == "message"
            && e.data["status"] == json!("skipped")
            && e.data["reason"]
                .as_str()
                .is_some_and(|r| r.contains("daily cap"))),
        "{:?}",
        timeline.0.iter().map(|e| &e.data).collect::<Vec<_>>()
    );
    // A new day starts afresh.
    w.clock.advance(chrono::Duration::days(1));
    enqueue(&w.ctx, &w.settings, w.text_to("d1", "+353871234567"))
        .await
        .expect("enqueue");
    w.drain().await;
    assert_eq!(w.status("d1").await, (MessageStatus::Sent, None));
}
