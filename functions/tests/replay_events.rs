//! Every sample event in `events/` replayed through its handler against the SQLite store:
//! each route has one, and each is answered as a real request would be.

mod support;

use std::path::PathBuf;
use std::sync::Arc;

use crm_functions::workers::{
    count_leads, ingest_booking, milestones, segment_refresh, send_conversions, stale_leads,
};
use crm_functions::Ctx;
use crm_shared::adapters::local_bus::LocalBus;
use crm_shared::adapters::sqlite::SqliteStore;
use crm_shared::domain::booking::{BookingFact, BookingKind, Contact};
use crm_shared::domain::lead::{Lead, NewLead};
use crm_shared::domain::member::{Member, MemberStatus, Role};
use crm_shared::domain::tenant::TenantSettings;
use crm_shared::http::routes::{ROUTES, WORKERS};
use crm_shared::ports::clock::{Clock, FixedClock, SystemClock};
use crm_shared::store::{calls, customers, leads, members, tasks, tenants};
use serde_json::Value;

const SAMPLE_LEAD: &str = "01JDEMEVNT0000000000000001";
/// The customer id in events/http/get_customer.json, replaced by the one the replay creates.
const SAMPLE_CUSTOMER: &str = "01JDEMCUST0000000000000001";
/// The note id in the customer note samples, replaced by one the replay creates.
const SAMPLE_NOTE: &str = "01JDEMNOTE0000000000000001";
/// The missed call id in the missed-call samples, replaced by one the replay records.
const SAMPLE_MISSED: &str = "01JDEMMXSD0000000000000001";
/// The provider's id of a sent text in events/http/sms_status.json.
const SAMPLE_PROVIDER_ID: &str = "SM0000000000000000000000000000SAMPLE";
/// The demo tenant's webhook secret the sample webhook is signed with.
const WEBHOOK_SECRET: &str = "demo-webhook-secret";
/// The owner the sample admin events' tokens name (`mid`, `mv` 1), and a staff member.
const SAMPLE_OWNER: &str = "01JDEMOWNR0000000000000001";
const SAMPLE_MEMBER: &str = "01JDEMMEMB0000000000000001";

fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events")
}

async fn demo_ctx() -> Ctx {
    demo_ctx_at(Arc::new(SystemClock)).await
}

async fn demo_ctx_at(clock: Arc<dyn Clock>) -> Ctx {
    let store = SqliteStore::in_memory().expect("store");
    let mut settings = TenantSettings::new(
        "demo",
        "Demo Day Spa",
        "IE",
        "https://booking.example.com/demo",
    );
    settings.webhook_secret = Some(WEBHOOK_SECRET.into());
    tenants::create(&store, &settings).await.expect("tenant");
    let now = chrono::Utc::now();
    let lead = Lead::create(
        "demo",
        SAMPLE_LEAD,
        NewLead {
            name: "Sample Lead".into(),
            phone: "+353879990001".into(),
            phone_raw: "087 999 0001".into(),
            ..NewLead::default()
        },
        now,
    );
    leads::insert(&store, &lead, 48, 24, now)
        .await
        .expect("lead");
    tasks::create_contact_task(&store, &lead, &settings)
        .await
        .expect("the sample lead's contact task");
    for (id, email, role) in [
        (SAMPLE_OWNER, "owner@demo.example", Role::Owner),
        (SAMPLE_MEMBER, "staff@demo.example", Role::Staff),
    ] {
        let mut member = Member::invited(id.into(), "demo", email, role, "setup", now);
        member.status = MemberStatus::Active;
        member.sub = Some(format!("user-{}", role.as_str()));
        members::add(&store, &member).await.expect("member");
    }
    Ctx::new(support::ports(
        Arc::new(store),
        Arc::new(LocalBus::new()),
        clock,
    ))
}

/// A text the provider knows as `SAMPLE_PROVIDER_ID`, sent.
async fn sample_sent_message(ctx: &Ctx) {
    use crm_shared::domain::message::Message;
    use crm_shared::domain::message::{MessageKind, MessageStatus};
    use crm_shared::store::messages::{self, Created};
    let now = ctx.clock.now();
    let queued = Message {
        id: "01JDEMMSG00000000000000002".into(),
        tenant_id: "demo".into(),
        kind: MessageKind::Manual,
        to: "+353879990001".into(),
        customer_id: None,
        lead_id: None,
        missed_call_id: None,
        body: "See you Tuesday".into(),
        status: MessageStatus::Queued,
        reason: None,
        provider_id: None,
        not_before: now,
        created_by: "user-1".into(),
        created_at: now,
        updated_at: now,
        sent_at: None,
        claimed_at: None,
        version: 1,
    };
    let Created::New(queued) = messages::create(ctx.store.as_ref(), queued)
        .await
        .expect("message")
    else {
        panic!("a fresh message");
    };
    let mut sent = queued.clone();
    sent.status = MessageStatus::Sent;
    sent.provider_id = Some(SAMPLE_PROVIDER_ID.into());
    messages::update(ctx.store.as_ref(), &queued, sent, now)
        .await
        .expect("sent");
}

/// A customer of the demo tenant, made by a booking; its id.
async fn demo_customer(ctx: &Ctx) -> String {
    let fact = BookingFact {
        kind: BookingKind::BookingCreated,
        booking_id: "BK-SEED".into(),
        version: 1,
        start: ctx.clock.now(),
        service: Some("Massage".into()),
        staff: None,
        amount: None,
        currency: None,
        paid: None,
        lead_id: None,
    };
    let contact = Contact {
        name: Some("Seed Customer".into()),
        phone: Some("+353870000001".into()),
        email: None,
    };
    match customers::ingest(
        ctx.store.as_ref(),
        &crm_shared::domain::tenant::TenantSettings::new(
            "demo",
            "Demo",
            "IE",
            "https://example.com",
        ),
        &fact,
        &contact,
        ctx.clock.now(),
    )
    .await
    .expect("customer")
    {
        customers::Ingested::Applied { customer, .. } => customer.id,
        customers::Ingested::AlreadyApplied { customer_id } => customer_id,
    }
}

/// A missed call of the demo tenant, recorded as the call webhook would; its id.
async fn sample_missed_call(ctx: &Ctx) -> String {
    let store = ctx.store.as_ref();
    let now = ctx.clock.now();
    let call = crm_shared::domain::call::Call {
        call_id: "CA-SEED".into(),
        from: "+353870000002".into(),
        to: None,
        status: crm_shared::domain::call::CallStatus::Missed,
        started_at: now,
        duration_seconds: 0,
        name: Some("Seed Caller".into()),
    };
    let (customer, _) = calls::caller(
        store,
        &TenantSettings::new(
            "demo",
            "Demo Day Spa",
            "IE",
            "https://booking.example.com/demo",
        ),
        &call.from,
        call.name.as_deref(),
        now,
    )
    .await
    .expect("caller");
    calls::record(store, "demo", &call, &customer.id, "Seed Caller", now)
        .await
        .expect("call")
        .missed_call
        .expect("a missed call")
        .id
}

fn expected_status(function: &str) -> u16 {
    match function {
        "capture_lead" | "create_lead" | "add_lead_note" | "create_customer"
        | "add_customer_note" | "convert_lead" => 201,
        "send_customer_message" | "request_review" => 202,
        "call_webhook" | "missed_call_sms" | "invite_member" | "create_tenant" => 201,
        "remove_member" => 204,
        _ => 200,
    }
}

#[tokio::test]
async fn every_route_has_a_sample_event_its_handler_answers() {
    for route in ROUTES {
        let path = events_dir()
            .join("http")
            .join(format!("{}.json", route.function));
        let mut text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let event: Value = serde_json::from_str(&text).expect("json");
        // The webhook is signed at the request's time: replay it then.
        let at = event["requestContext"]["timeEpoch"]
            .as_i64()
            .unwrap_or_default();
        let clock: Arc<dyn Clock> = match chrono::DateTime::from_timestamp_millis(at) {
            Some(t) if event["headers"].get("x-crm-signature").is_some() => {
                Arc::new(FixedClock::at(t))
            }
            _ => Arc::new(SystemClock),
        };
        let ctx = demo_ctx_at(clock).await;
        if text.contains(SAMPLE_CUSTOMER) {
            let customer = demo_customer(&ctx).await;
            if text.contains(SAMPLE_NOTE) {
                let note = customers::add_note(
                    ctx.store.as_ref(),
                    "demo",
                    &customer,
                    "A note",
                    "user-1",
                    ctx.clock.now(),
                )
                .await
                .expect("note");
                text = text.replace(SAMPLE_NOTE, &note.id);
            }
            text = text.replace(SAMPLE_CUSTOMER, &customer);
        }
        if text.contains(SAMPLE_MISSED) {
            let missed = sample_missed_call(&ctx).await;
            text = text.replace(SAMPLE_MISSED, &missed);
        }
        if text.contains(SAMPLE_PROVIDER_ID) {
            sample_sent_message(&ctx).await;
        }
        assert_eq!(
            event["routeKey"].as_str(),
            Some(format!("{} {}", route.method, route.path).as_str()),
            "{} names its route",
            path.display()
        );
        let request = lambda_http::request::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let response = crm_functions::dispatch(route.function, &ctx, request)
            .await
            .unwrap_or_else(|| panic!("no handler for {}", route.function));
        let status = response.status().as_u16();
        let body = match response.body() {
            lambda_http::Body::Text(t) => t.clone(),
            _ => String::new(),
        };
        assert_eq!(
            status,
            expected_status(route.function),
            "{}: {body}",
            route.function
        );
    }
}

#[tokio::test]
async fn the_counting_worker_takes_its_schedule_event() {
    assert!(WORKERS.contains(&"count_leads"));
    let path = events_dir().join("schedule").join("count_leads.json");
    let event: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("event")).expect("json");
    let ctx = demo_ctx().await;
    let answer = count_leads::handle(&ctx, event).await.expect("handled");
    assert!(answer.get("counted").is_some(), "{answer}");
}

#[tokio::test]
async fn the_stale_job_takes_its_schedule_event() {
    assert!(WORKERS.contains(&"stale_leads"));
    let path = events_dir().join("schedule").join("stale_leads.json");
    let event: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("event")).expect("json");
    let ctx = demo_ctx().await;
    let answer = stale_leads::handle(&ctx, event).await.expect("handled");
    assert_eq!(
        answer["flagged"],
        serde_json::json!(0),
        "the sample lead is not due yet: {answer}"
    );
    assert!(answer["hours"].as_u64().is_some_and(|h| h > 0), "{answer}");
}

/// The daily customer jobs take their schedule events: a first run walks its catch-up hours
/// and finds nothing due in the fresh demo data.
#[tokio::test]
async fn the_daily_customer_jobs_take_their_schedule_events() {
    for name in ["segment_refresh", "milestones"] {
        assert!(WORKERS.contains(&name), "{name} is a worker");
        let path = events_dir().join("schedule").join(format!("{name}.json"));
        let event: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("event")).expect("json");
        let ctx = demo_ctx().await;
        let answer = match name {
            "segment_refresh" => segment_refresh::handle(&ctx, event).await,
            _ => milestones::handle(&ctx, event).await,
        }
        .expect("handled");
        assert!(answer["hours"].as_u64().is_some_and(|h| h > 0), "{answer}");
        assert_eq!(
            answer["read"],
            serde_json::json!(0),
            "nothing due: {answer}"
        );
    }
}

/// The EventBridge samples, one per booking fact, each taken by the booking consumer; the
/// demo customer they describe ends with the KPIs the facts add up to, and replaying them
/// all again changes nothing.
#[tokio::test]
async fn the_booking_consumer_takes_a_sample_of_every_fact() {
    assert!(WORKERS.contains(&"ingest_booking"));
    let ctx = demo_ctx().await;
    for round in 0..2 {
        for kind in BookingKind::ALL {
            let path = events_dir()
                .join("eventbridge")
                .join(format!("{}.json", kind.as_str()));
            let event: Value = serde_json::from_str(
                &std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display())),
            )
            .expect("json");
            assert_eq!(event["detail-type"].as_str(), Some(kind.as_str()));
            ingest_booking::handle(&ctx, event)
                .await
                .unwrap_or_else(|e| panic!("round {round}, {}: {e}", kind.as_str()));
        }
    }
    let contact_key = crm_shared::store::keys::phone_owner_key("demo", "+353871234567");
    let owner = ctx
        .store
        .get(&contact_key)
        .await
        .expect("get")
        .expect("owner");
    let id = owner["customer_id"].as_str().expect("id");
    let customer = customers::get(ctx.store.as_ref(), "demo", id)
        .await
        .expect("get")
        .expect("customer");
    assert_eq!(customer.totals.bookings, 3);
    assert_eq!(customer.totals.visits, 1);
    assert_eq!(customer.totals.lifetime_value, 8500);
    assert_eq!(customer.totals.cancellations, 1);
    assert_eq!(customer.totals.no_shows, 1);
}

/// A Booking event without a way to find its customer, or not a booking at all, fails the
/// invocation (so EventBridge retries it and the dead-letter queue keeps it).
#[tokio::test]
async fn the_booking_consumer_refuses_what_it_cannot_apply() {
    let ctx = demo_ctx().await;
    let not_booking = serde_json::json!({"detail-type": "Something", "detail": {}});
    assert!(ingest_booking::handle(&ctx, not_booking).await.is_err());
    let no_contact = serde_json::json!({"detail-type": "BookingCreated", "detail": {
        "tenant_id": "demo", "booking_id": "B1", "version": 1, "start": "2025-11-28T10:00:00Z"}});
    assert!(matches!(
        ingest_booking::handle(&ctx, no_contact).await,
        Err(ingest_booking::ConsumeError::Invalid(_))
    ));
    let unknown = serde_json::json!({"detail-type": "BookingCreated", "detail": {
        "tenant_id": "nobody", "booking_id": "B1", "version": 1, "start": "2025-11-28T10:00:00Z",
        "customer": {"phone": "+353871234567"}}});
    assert!(matches!(
        ingest_booking::handle(&ctx, unknown).await,
        Err(ingest_booking::ConsumeError::UnknownTenant(_))
    ));
}

/// The SQS sample: a `lead.captured` envelope as the conversions rule delivers it, taken by
/// the Conversions API sender. With Meta configured the sample lead goes out as a `Lead`
/// event (recorded in memory); a redelivery sends nothing more.
#[tokio::test]
async fn the_conversions_sender_takes_its_sqs_event() {
    use crm_shared::adapters::local_capi::RecordingCapi;
    use crm_shared::domain::tenant::MetaSettings;

    assert!(WORKERS.contains(&"send_conversions"));
    let path = events_dir().join("sqs").join("send_conversions.json");
    let event: aws_lambda_events::event::sqs::SqsEvent =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("event")).expect("sqs event");
    let ctx = demo_ctx().await;
    let mut settings = tenants::get(ctx.store.as_ref(), "demo")
        .await
        .expect("get")
        .expect("demo");
    settings.meta = Some(MetaSettings {
        pixel_id: "1234567890".into(),
        access_token: "token".into(),
        test_event_code: None,
    });
    let mut item = crm_shared::ports::store::to_item(&settings).expect("item");
    let key = crm_shared::store::keys::settings("demo");
    item.insert("PK".into(), key.pk.into());
    item.insert("SK".into(), key.sk.into());
    ctx.store
        .write(crm_shared::ports::store::Write::put(item))
        .await
        .expect("settings");
    let recorder = RecordingCapi::new();
    let ctx = Ctx {
        capi: Arc::new(recorder.clone()),
        ..ctx
    };
    for _ in 0..2 {
        let batch = crm_functions::lambda::received(event.clone());
        assert_eq!(batch.len(), 1);
        let outcome = send_conversions::consume(&ctx, batch).await;
        assert!(outcome.failed.is_empty(), "{outcome:?}");
    }
    let sent = recorder.sent();
    assert_eq!(sent.len(), 1, "sent once");
    assert_eq!(sent[0].pixel_id, "1234567890");
    assert_eq!(sent[0].events[0].event_name, "Lead");
    assert_eq!(sent[0].events[0].event_id, SAMPLE_LEAD);
}

/// The SQS sample of the `sms` queue, taken by `send_sms` as Lambda hands it over: the text
/// it names goes out once, and a redelivery of the same record sends nothing more.
#[tokio::test]
async fn the_sms_sender_takes_its_sqs_event() {
    use crm_functions::usecases::messaging::{enqueue, Outgoing};
    use crm_functions::workers::send_sms;
    use crm_shared::adapters::outbox::Outbox;
    use crm_shared::domain::message::{MessageKind, MessageStatus};
    use crm_shared::store::messages;

    assert!(WORKERS.contains(&"send_sms"));
    let path = events_dir().join("sqs").join("send_sms.json");
    let event: aws_lambda_events::event::sqs::SqsEvent =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("event")).expect("sqs event");
    // Noon in Dublin, outside quiet hours.
    let noon = chrono::DateTime::parse_from_rfc3339("2026-01-14T12:00:00Z")
        .expect("time")
        .to_utc();
    let outbox = Outbox::new();
    let ctx = Ctx {
        sms: Arc::new(outbox.clone()),
        ..demo_ctx_at(Arc::new(FixedClock::at(noon))).await
    };
    let settings = tenants::get(ctx.store.as_ref(), "demo")
        .await
        .expect("get")
        .expect("demo");
    enqueue(
        &ctx,
        &settings,
        Outgoing {
            id: "01JDEMMSG00000000000000001".into(),
            kind: MessageKind::Manual,
            to: "+353879990001".into(),
            name: "Sample Lead".into(),
            customer_id: None,
            lead_id: None,
            missed_call_id: None,
            body: Some("See you on Tuesday.".into()),
            not_before: noon,
            created_by: "user-1".into(),
        },
    )
    .await
    .expect("enqueue");
    for _ in 0..2 {
        let outcome = send_sms::consume(&ctx, crm_functions::lambda::received(event.clone())).await;
        assert!(outcome.failed.is_empty(), "{outcome:?}");
    }
    assert_eq!(outbox.sent().len(), 1);
    let m = messages::get(ctx.store.as_ref(), "demo", "01JDEMMSG00000000000000001")
        .await
        .expect("get")
        .expect("message");
    assert_eq!(m.status, MessageStatus::Sent);
}
