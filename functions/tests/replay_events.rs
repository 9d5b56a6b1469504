//! Every sample event in `events/` replayed through its handler against the SQLite store:
//! each route has one, and each is answered as a real request would be.

#[path = "support/samples.rs"]
mod samples;
mod support;

use std::path::PathBuf;
use std::sync::Arc;

use crm_functions::workers::{
    count_leads, ingest_booking, milestones, segment_refresh, send_conversions, stale_leads,
};
use crm_functions::Ctx;
use crm_shared::adapters::local_bus::LocalBus;
use crm_shared::adapters::sqlite::SqliteStore;
use crm_shared::domain::booking::BookingKind;
use crm_shared::http::routes::{ROUTES, WORKERS};
use crm_shared::ports::clock::{Clock, FixedClock, SystemClock};
use crm_shared::store::customers;
use serde_json::Value;

fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events")
}

async fn demo_ctx() -> Ctx {
    demo_ctx_at(Arc::new(SystemClock)).await
}

/// The demo business (`support/samples.rs`) on a fresh SQLite store, at `clock`'s time.
async fn demo_ctx_at(clock: Arc<dyn Clock>) -> Ctx {
    let store = SqliteStore::in_memory().expect("store");
    samples::business(&store, clock.now())
        .await
        .expect("the demo business");
    Ctx::new(support::ports(
        Arc::new(store),
        Arc::new(LocalBus::new()),
        clock,
    ))
    .with_files(Arc::new(
        crm_shared::adapters::local_files::LocalFiles::new(
            std::env::temp_dir().join(format!("crm-replay-{}", ulid::Ulid::new())),
        ),
    ))
}

/// The status each route answers its sample with (events/expected.json, shared with
/// scripts/deploy-check).
fn expected_status(function: &str) -> u16 {
    let path = events_dir().join("expected.json");
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("expected.json"))
            .expect("json");
    let statuses = &expected["http_status"];
    statuses
        .get(function)
        .or_else(|| statuses.get("default"))
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .unwrap_or_else(|| panic!("{}: no status for {function}", path.display()))
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
        let ids = samples::seed_named(&ctx, |id| text.contains(id))
            .await
            .expect("the records the sample names");
        text = samples::fill(&text, &ids);
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
    let source = crm_shared::ports::bus::BOOKING_SOURCE;
    let no_contact = serde_json::json!({"detail-type": "BookingCreated", "source": source, "detail": {
        "tenant_id": "demo", "booking_id": "B1", "version": 1, "start": "2025-11-28T10:00:00Z"}});
    assert!(matches!(
        ingest_booking::handle(&ctx, no_contact).await,
        Err(ingest_booking::ConsumeError::Invalid(_))
    ));
    let unknown = serde_json::json!({"detail-type": "BookingCreated", "source": source, "detail": {
        "tenant_id": "nobody", "booking_id": "B1", "version": 1, "start": "2025-11-28T10:00:00Z",
        "customer": {"phone": "+353871234567"}}});
    assert!(matches!(
        ingest_booking::handle(&ctx, unknown).await,
        Err(ingest_booking::ConsumeError::UnknownTenant(_))
    ));
    // A fact from any other source is not believed: it names its tenant, but nothing proves it.
    let forged = serde_json::json!({"detail-type": "BookingCompleted", "source": "booking.system",
        "detail": {"tenant_id": "demo", "booking_id": "B1", "version": 1,
        "start": "2025-11-28T10:00:00Z", "amount": 99900, "customer": {"phone": "+353871234567"}}});
    assert!(matches!(
        ingest_booking::handle(&ctx, forged).await,
        Err(ingest_booking::ConsumeError::UntrustedSource(s)) if s == "booking.system"
    ));
}

/// The SQS sample: a `lead.captured` envelope as the conversions rule delivers it, taken by
/// the Conversions API sender. The demo tenant has Meta configured, so the sample lead goes
/// out as a `Lead` event (recorded in memory); a redelivery sends nothing more.
#[tokio::test]
async fn the_conversions_sender_takes_its_sqs_event() {
    use crm_shared::adapters::local_capi::RecordingCapi;

    assert!(WORKERS.contains(&"send_conversions"));
    let path = events_dir().join("sqs").join("send_conversions.json");
    let event: aws_lambda_events::event::sqs::SqsEvent =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("event")).expect("sqs event");
    let recorder = RecordingCapi::new();
    let ctx = Ctx {
        capi: Arc::new(recorder.clone()),
        ..demo_ctx().await
    };
    for _ in 0..2 {
        let batch = crm_functions::lambda::received(event.clone());
        assert_eq!(batch.len(), 1);
        let outcome = send_conversions::consume(&ctx, batch).await;
        assert!(outcome.failed.is_empty(), "{outcome:?}");
    }
    let sent = recorder.sent();
    assert_eq!(sent.len(), 1, "sent once");
    assert_eq!(sent[0].pixel_id, samples::PIXEL);
    assert_eq!(sent[0].events[0].event_name, "Lead");
    assert_eq!(sent[0].events[0].event_id, samples::LEAD);
}

/// The SQS sample of the `sms` queue, taken by `send_sms` as Lambda hands it over: the text
/// it names goes out once (the demo tenant has no quiet hours), and a redelivery of the same
/// record sends nothing more.
#[tokio::test]
async fn the_sms_sender_takes_its_sqs_event() {
    use crm_functions::workers::send_sms;
    use crm_shared::adapters::outbox::Outbox;
    use crm_shared::domain::message::MessageStatus;
    use crm_shared::store::messages;

    assert!(WORKERS.contains(&"send_sms"));
    let path = events_dir().join("sqs").join("send_sms.json");
    let event: aws_lambda_events::event::sqs::SqsEvent =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("event")).expect("sqs event");
    let outbox = Outbox::new();
    let ctx = Ctx {
        sms: Arc::new(outbox.clone()),
        ..demo_ctx().await
    };
    samples::queued_text(&ctx).await.expect("the queued text");
    for _ in 0..2 {
        let outcome = send_sms::consume(&ctx, crm_functions::lambda::received(event.clone())).await;
        assert!(outcome.failed.is_empty(), "{outcome:?}");
    }
    assert_eq!(outbox.sent().len(), 1);
    let m = messages::get(ctx.store.as_ref(), samples::TENANT, samples::QUEUED_TEXT)
        .await
        .expect("get")
        .expect("message");
    assert_eq!(m.status, MessageStatus::Sent);
}

/// The SQS sample of the `imports` queue, taken by `run_import` as Lambda hands it over: the
/// import it names, once started, is run to the end (one client created, one row refused);
/// the same record again changes nothing.
#[tokio::test]
async fn the_import_worker_takes_its_sqs_event() {
    use crm_functions::workers::run_import;
    use crm_shared::import::job::ImportStatus;
    use crm_shared::store::imports;

    assert!(WORKERS.contains(&"run_import"));
    let path = events_dir().join("sqs").join("run_import.json");
    let ctx = demo_ctx().await;
    let ids = samples::seed_named(&ctx, |id| id == samples::IMPORT_PLACEHOLDER)
        .await
        .expect("the import");
    let text = samples::fill(&std::fs::read_to_string(&path).expect("event"), &ids);
    let event: aws_lambda_events::event::sqs::SqsEvent =
        serde_json::from_str(&text).expect("sqs event");
    let id = &ids[samples::IMPORT_PLACEHOLDER];
    let mut import = imports::get(ctx.store.as_ref(), samples::TENANT, id)
        .await
        .expect("get")
        .expect("import");
    let at = import.version;
    import.status = ImportStatus::Queued;
    imports::save(ctx.store.as_ref(), at, &mut import)
        .await
        .expect("started");
    for _ in 0..2 {
        let outcome =
            run_import::consume(&ctx, crm_functions::lambda::received(event.clone())).await;
        assert!(outcome.failed.is_empty(), "{outcome:?}");
    }
    let done = imports::get(ctx.store.as_ref(), samples::TENANT, id)
        .await
        .expect("get")
        .expect("import");
    assert_eq!(done.status, ImportStatus::Done);
    assert_eq!(
        (done.counts.created, done.counts.refused, done.counts.done),
        (1, 1, 2)
    );
}

/// The table stream's sample, taken by `publish_events` as Lambda hands it over: the lead's
/// insert publishes `lead.captured`, a status event's `lead.status_changed`, a stale event's
/// `lead.stale`, segment and milestone timeline entries theirs; the lead's later
/// modification and a note nothing; the same batch again publishes the same event ids (the
/// consumers are idempotent by them).
#[tokio::test]
async fn the_stream_consumer_publishes_the_events_of_its_sample_records() {
    use crm_functions::workers::publish_events;

    assert!(WORKERS.contains(&"publish_events"));
    let path = events_dir().join("dynamodb").join("publish_events.json");
    let event: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("event")).expect("json");
    let bus = LocalBus::new();
    let ctx = Ctx {
        bus: Arc::new(bus.clone()),
        ..demo_ctx().await
    };
    for _ in 0..2 {
        let answer = publish_events::handle(&ctx, event.clone())
            .await
            .expect("handled");
        assert_eq!(answer, serde_json::json!({"batchItemFailures": []}));
    }
    let published: Vec<(String, String)> = bus
        .published()
        .iter()
        .map(|e| {
            (
                e.detail_type.clone(),
                e.detail["event_id"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let once = vec![
        (
            "lead.captured".to_owned(),
            "lead.captured:01JDEMSTRM0000000000000001".to_owned(),
        ),
        (
            "lead.status_changed".to_owned(),
            "lead.status_changed:01JDEMSTRM0000000000000002".to_owned(),
        ),
        (
            "lead.stale".to_owned(),
            "lead.stale:01JDEMSTRM0000000000000003".to_owned(),
        ),
        (
            "customer.segment_changed".to_owned(),
            "customer.segment_changed:01JDEMCUST0000000000000001:01JDEMSTRM0000000000000004"
                .to_owned(),
        ),
        (
            "milestone.reached".to_owned(),
            "milestone.reached:01JDEMCUST0000000000000001:vip_status".to_owned(),
        ),
    ];
    assert_eq!(published, [once.clone(), once].concat());
    let all = bus.published();
    assert_eq!(all[0].detail["tenant_id"], "demo");
    assert_eq!(all[0].detail["source"], "meta_ad");
    assert_eq!(all[2].detail["created_at"], "2026-12-07T10:00:00Z");
    assert_eq!(all[2].detail["status"], "contacted");
    assert_eq!(
        (&all[3].detail["from"], &all[3].detail["to"]),
        (&Value::from("active"), &Value::from("inactive"))
    );
}
