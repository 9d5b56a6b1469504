//! Every sample event in `events/` replayed through its handler against the SQLite store:
//! each route has one, and each is answered as a real request would be.

use std::path::PathBuf;
use std::sync::Arc;

use crm_functions::workers::count_leads;
use crm_functions::Ctx;
use crm_shared::adapters::local_bus::LocalBus;
use crm_shared::adapters::sqlite::SqliteStore;
use crm_shared::domain::lead::{Lead, NewLead};
use crm_shared::domain::tenant::TenantSettings;
use crm_shared::http::routes::{ROUTES, WORKERS};
use crm_shared::ports::clock::SystemClock;
use crm_shared::store::{leads, tenants};
use serde_json::Value;

const SAMPLE_LEAD: &str = "01JDEMEVNT0000000000000001";

fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events")
}

async fn demo_ctx() -> Ctx {
    let store = SqliteStore::in_memory().expect("store");
    let settings = TenantSettings::new(
        "demo",
        "Demo Day Spa",
        "IE",
        "https://booking.example.com/demo",
    );
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
    Ctx::new(
        Arc::new(store),
        Arc::new(LocalBus::new()),
        Arc::new(SystemClock),
    )
}

fn expected_status(function: &str) -> u16 {
    match function {
        "capture_lead" | "create_lead" | "add_lead_note" => 201,
        _ => 200,
    }
}

#[tokio::test]
async fn every_route_has_a_sample_event_its_handler_answers() {
    for route in ROUTES {
        let path = events_dir()
            .join("http")
            .join(format!("{}.json", route.function));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let event: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(
            event["routeKey"].as_str(),
            Some(format!("{} {}", route.method, route.path).as_str()),
            "{} names its route",
            path.display()
        );
        let request = lambda_http::request::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let ctx = demo_ctx().await;
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
    for worker in WORKERS {
        let path = events_dir().join("schedule").join(format!("{worker}.json"));
        let event: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("event")).expect("json");
        let ctx = demo_ctx().await;
        let answer = count_leads::handle(&ctx, event).await.expect("handled");
        assert!(answer.get("counted").is_some(), "{answer}");
    }
}
