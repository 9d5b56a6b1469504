//! The daily customer jobs' changes are published (DESIGN §5; from their timeline entries'
//! change records, `crm_shared::store::stream`, drained here as crm-local does):
//! `customer.segment_changed` / `customer.stage_changed` with `from`, `to` and `at`, and
//! `milestone.reached` in the shape booking facts use. Clock fixed, SQLite store, local bus.

mod support;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use crm_functions::workers::{milestones, segment_refresh};
use crm_functions::Ctx;
use crm_shared::adapters::local_bus::LocalBus;
use crm_shared::adapters::sqlite::SqliteStore;
use crm_shared::domain::booking::{BookingFact, BookingKind, Contact};
use crm_shared::domain::tenant::TenantSettings;
use crm_shared::ports::clock::{Clock, FixedClock};
use crm_shared::store::{change_log, customers, tenants};
use serde_json::{json, Value};

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .expect("time")
}

#[tokio::test]
async fn the_jobs_publish_segment_stage_and_milestone_events() {
    let store = Arc::new(SqliteStore::in_memory().expect("store"));
    let bus = LocalBus::new();
    let clock = Arc::new(FixedClock::at(utc("2026-11-10T10:00:00Z")));
    let ctx = Ctx::new(support::ports(
        store.clone(),
        Arc::new(bus.clone()),
        clock.clone(),
    ));
    let mut settings = TenantSettings::new("dub", "Dub", "IE", "https://example.com");
    settings.time_zone = "Europe/Dublin".into();
    tenants::create(store.as_ref(), &settings)
        .await
        .expect("tenant");
    let fact = BookingFact {
        kind: BookingKind::BookingCompleted,
        booking_id: "b1".into(),
        version: 1,
        start: utc("2026-11-10T10:00:00Z"),
        service: Some("Massage".into()),
        staff: None,
        amount: Some(600_000),
        currency: Some("EUR".into()),
        paid: Some(true),
        lead_id: None,
        source: None,
    };
    let contact = Contact {
        name: Some("Ann".into()),
        phone: Some("+353871000001".into()),
        email: None,
    };
    let id = match customers::ingest(store.as_ref(), &settings, &fact, &contact, clock.now())
        .await
        .expect("ingest")
    {
        customers::Ingested::Applied { customer, .. } => customer.id,
        other => panic!("{other:?}"),
    };
    let of = |kind: &str| -> Vec<Value> {
        bus.published()
            .into_iter()
            .filter(|e| e.detail_type == kind)
            .map(|e| e.detail)
            .collect()
    };

    clock.set(utc("2026-11-11T03:10:00Z"));
    let answer = milestones::handle(&ctx, Value::Null)
        .await
        .expect("milestones");
    change_log::publish(store.as_ref(), &bus, 10_000)
        .await
        .expect("the change log published");
    assert_eq!(answer["awarded"], json!(1), "{answer}");
    let vip: Vec<Value> = of("milestone.reached")
        .into_iter()
        .filter(|d| d["milestone"] == json!("vip_status"))
        .collect();
    assert_eq!(
        vip,
        [json!({
            "event_id": format!("milestone.reached:{id}:vip_status"),
            "tenant_id": "dub",
            "customer_id": id,
            "milestone": "vip_status",
        })]
    );

    // Dormant 90 days on (a tag: no segment or stage event).
    clock.set(utc("2027-02-09T03:10:00Z"));
    let answer = segment_refresh::handle(&ctx, Value::Null)
        .await
        .expect("refresh");
    change_log::publish(store.as_ref(), &bus, 10_000)
        .await
        .expect("the change log published");
    assert_eq!(answer["refreshed"], json!(1), "{answer}");
    assert!(of("customer.segment_changed").is_empty());

    // Six months on (2027-05-10 10:00 UTC), at 03:00 Irish summer time: inactive, churned.
    clock.set(utc("2027-05-11T02:30:00Z"));
    let answer = segment_refresh::handle(&ctx, Value::Null)
        .await
        .expect("refresh");
    change_log::publish(store.as_ref(), &bus, 10_000)
        .await
        .expect("the change log published");
    assert_eq!(answer["refreshed"], json!(1), "{answer}");
    let segment = of("customer.segment_changed");
    assert_eq!(segment.len(), 1, "{segment:?}");
    assert_eq!(
        (&segment[0]["from"], &segment[0]["to"]),
        (&json!("active"), &json!("inactive"))
    );
    assert_eq!(segment[0]["customer_id"], json!(id));
    assert_eq!(segment[0]["tenant_id"], json!("dub"));
    assert_eq!(segment[0]["at"], json!(utc("2027-05-11T02:30:00Z")));
    assert!(segment[0]["event_id"]
        .as_str()
        .is_some_and(|e| e.starts_with("customer.segment_changed:")));
    // Every stage change is reported, the booking's first (discovery → activation) as well
    // as the refresh's.
    let stage = of("customer.stage_changed");
    assert_eq!(stage.len(), 2, "{stage:?}");
    assert_eq!(
        (&stage[0]["from"], &stage[0]["to"]),
        (&json!("discovery"), &json!("activation"))
    );
    assert_eq!(stage[1]["to"], json!("churned"));
    assert_eq!(stage[1]["at"], json!(utc("2027-05-11T02:30:00Z")));

    let again = segment_refresh::handle(&ctx, Value::Null)
        .await
        .expect("refresh");
    assert_eq!(again["refreshed"], json!(0), "{again}");
    assert_eq!(of("customer.segment_changed").len(), 1, "published once");
}
