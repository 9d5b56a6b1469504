//! The outbox (issue 17): an event is written with the state it reports, so a process killed
//! after the write and before the publish loses nothing: the restarted process publishes it,
//! once.

use std::sync::Arc;

use crm_functions::usecases::capture::record_new_lead;
use crm_functions::{Ctx, Ports};
use crm_shared::adapters::invite_links::InviteLinks;
use crm_shared::adapters::local_bus::LocalBus;
use crm_shared::adapters::local_capi::RecordingCapi;
use crm_shared::adapters::local_queue::LocalQueue;
use crm_shared::adapters::outbox::Outbox;
use crm_shared::adapters::sqlite::SqliteStore;
use crm_shared::domain::lead::{Lead, NewLead};
use crm_shared::domain::tenant::TenantSettings;
use crm_shared::ports::clock::{Clock, SystemClock};
use crm_shared::store::leads::Inserted;
use crm_shared::store::{change_log, tenants};

fn ctx(store: &SqliteStore, bus: &LocalBus) -> Ctx {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    Ctx::new(Ports {
        store: Arc::new(store.clone()),
        bus: Arc::new(bus.clone()),
        clock: clock.clone(),
        queue: Arc::new(LocalQueue::in_memory(clock).expect("queue")),
        sms: Arc::new(Outbox::new()),
        capi: Arc::new(RecordingCapi::new()),
        directory: Arc::new(InviteLinks::new(Arc::new(store.clone()), "")),
        vault: Arc::new(crm_shared::adapters::local_vault::LocalVault::ephemeral()),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lead_captured_by_a_process_killed_before_publishing_is_published_once_after_restart() {
    let dir = std::env::temp_dir().join(format!("crm-outbox-{}", ulid::Ulid::new()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("crm.sqlite3");
    let settings = TenantSettings::new("demo", "Demo Day Spa", "IE", "https://b.example/demo");
    let now = chrono::Utc::now();
    let lead = Lead::create(
        "demo",
        &ulid::Ulid::new().to_string(),
        NewLead {
            name: "Kill Between".into(),
            phone: "+353871230077".into(),
            phone_raw: "087 123 0077".into(),
            ..NewLead::default()
        },
        now,
    );
    {
        // The first process: the lead is written (201 would be answered now), and the process
        // dies before anything publishes (no drain ever runs in it).
        let store = SqliteStore::open(&file).expect("store");
        let bus = LocalBus::new();
        tenants::create(&store, &settings).await.expect("tenant");
        let inserted = record_new_lead(&ctx(&store, &bus), &settings, &lead, now)
            .await
            .expect("captured");
        assert_eq!(inserted, Inserted::Created);
        assert!(
            bus.published().is_empty(),
            "nothing published before the kill"
        );
    }
    // The restarted process publishes what the first one wrote, once; a delivery that fails
    // (its queue unavailable) keeps the change for the next try.
    let store = SqliteStore::open(&file).expect("store again");
    let failing = LocalBus::new();
    failing.subscribe(
        &["lead.captured"],
        Arc::new(|_| {
            Box::pin(async {
                Err(crm_shared::ports::bus::BusError(
                    "the queue is unavailable".into(),
                ))
            })
        }),
    );
    assert!(change_log::publish(&store, &failing, 100).await.is_err());
    let bus = LocalBus::new();
    let read = change_log::publish(&store, &bus, 100).await.expect("drain");
    assert_eq!(read, 1, "the lead's change was kept");
    let again = change_log::publish(&store, &bus, 100)
        .await
        .expect("drain again");
    assert_eq!(again, 0, "and forgotten once published");
    let published = bus.published();
    assert_eq!(published.len(), 1, "{published:?}");
    assert_eq!(published[0].detail_type, "lead.captured");
    assert_eq!(published[0].detail["lead_id"], serde_json::json!(lead.id));
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}
