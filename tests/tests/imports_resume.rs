//! An import killed mid-chunk resumes where it stopped and imports no row twice (issue 19),
//! on both queue adapters: the local SQLite queue, and SQS on moto. The imports worker is
//! killed (its task aborted) after its first checkpoint, in the middle of the next chunk,
//! with its message received and not deleted: the message comes back after its visibility
//! timeout, the next run starts at the checkpoint, redoes the half-done chunk (finding the
//! customers it had made by their import-derived ids) and finishes with exact counts.

#[path = "../../shared/tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::Duration;

use crm_functions::usecases::importing::{enqueue, ImportTask, CHUNK};
use crm_functions::workers::run_import;
use crm_functions::{Ctx, Ports};
use crm_shared::adapters::local_bus::LocalBus;
use crm_shared::adapters::local_capi::RecordingCapi;
use crm_shared::adapters::local_files::LocalFiles;
use crm_shared::adapters::local_queue::LocalQueue;
use crm_shared::adapters::outbox::Outbox;
use crm_shared::adapters::sqlite::SqliteStore;
use crm_shared::domain::tenant::TenantSettings;
use crm_shared::import::job::{Import, ImportCounts, ImportStatus};
use crm_shared::ports::clock::FixedClock;
use crm_shared::ports::queue::{pump, Queue, QueueName};
use crm_shared::store::customers::{self, ListFilter, SortKey};
use crm_shared::store::{imports, keys, tenants};

const TENANT: &str = "harbour-spa";
/// Clients in the file: four chunks and a bit.
const CLIENTS: usize = 4 * CHUNK + 37;

/// A client list: `CLIENTS` clients, every 50th row a repeat of the row before it (a
/// duplicate within the file) and every 97th with a phone that is no number.
fn client_list() -> (String, ImportCounts) {
    let mut csv = String::from("Name,Mobile,Email\n");
    let mut counts = ImportCounts::default();
    for i in 0..CLIENTS {
        counts.total += 1;
        counts.done += 1;
        if i % 97 == 96 {
            csv.push_str(&format!("Client {i},not a phone,\n"));
            counts.refused += 1;
        } else if i % 50 == 49 {
            csv.push_str(&format!("Client {i},087 100 {:04},\n", i - 1));
            counts.skipped += 1;
        } else {
            csv.push_str(&format!("Client {i},087 100 {i:04},c{i}@example.ie\n"));
            counts.created += 1;
        }
    }
    (csv, counts)
}

async fn queued_import(ctx: &Ctx, csv: &str) -> Import {
    let settings = TenantSettings::new(TENANT, "Harbour Spa", "IE", "https://book.example/harbour");
    tenants::create(ctx.store.as_ref(), &settings)
        .await
        .expect("tenant");
    let now = ctx.clock.now();
    let id = keys::sequential_id(now);
    let sheet = crm_shared::import::file::read(csv.as_bytes()).expect("a CSV");
    let mut import = Import::uploaded(
        id.clone(),
        TENANT,
        "clients.csv".into(),
        csv.len() as u64,
        sheet,
        "owner-1",
        now,
    );
    import.tags = vec!["imported".into()];
    import.status = ImportStatus::Queued;
    ctx.files
        .put(&keys::import_file(TENANT, &id), csv.as_bytes().to_vec())
        .await
        .expect("file kept");
    imports::create(ctx.store.as_ref(), &import)
        .await
        .expect("import");
    import
}

async fn customer_count(ctx: &Ctx) -> usize {
    let mut n = 0;
    let mut cursor = None;
    loop {
        let page = customers::list(
            ctx.store.as_ref(),
            TENANT,
            SortKey::Created,
            false,
            &ListFilter::default(),
            500,
            cursor,
        )
        .await
        .expect("list");
        n += page.customers.len();
        cursor = page.next;
        if cursor.is_none() {
            return n;
        }
    }
}

/// Kills the worker mid-import, lets its message come back (`come_back` makes it visible
/// again: the clock moved or the time waited), and checks the resumed run's result.
async fn a_killed_import_resumes_and_imports_each_row_once<F, Fut>(
    ctx: Ctx,
    visibility: u32,
    come_back: F,
) where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (csv, expected) = client_list();
    let import = queued_import(&ctx, &csv).await;
    let task = ImportTask {
        tenant_id: TENANT.into(),
        import_id: import.id.clone(),
    };
    enqueue(&ctx, &task).await.expect("queued");
    let batch = ctx
        .queue
        .receive(QueueName::Imports, 1, visibility)
        .await
        .expect("receive");
    assert_eq!(batch.len(), 1);
    let running = ctx.clone();
    let worker = tokio::spawn(async move { run_import::consume(&running, batch).await });
    // Killed once the first chunk is checkpointed: in the second chunk, rows half done.
    let mut seen = import.clone();
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while std::time::Instant::now() < deadline {
        seen = imports::get(ctx.store.as_ref(), TENANT, &import.id)
            .await
            .expect("read")
            .expect("import");
        if seen.next_row >= CHUNK as u64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let finished_early = worker.is_finished();
    worker.abort();
    let outcome = worker.await;
    assert!(
        !finished_early,
        "the worker ended by itself: {outcome:?}, {seen:?}"
    );
    let killed_at = imports::get(ctx.store.as_ref(), TENANT, &import.id)
        .await
        .expect("read")
        .expect("import");
    assert!(
        seen.next_row >= CHUNK as u64,
        "the first chunk was checkpointed"
    );
    assert_eq!(
        killed_at.status,
        ImportStatus::Running,
        "killed, not finished"
    );
    assert!(
        killed_at.next_row < CLIENTS as u64,
        "killed before the end: {}",
        killed_at.next_row
    );
    let made_before = customer_count(&ctx).await;
    assert!(made_before >= killed_at.counts.created as usize);

    come_back().await;
    let mut runs = 0;
    while pump(
        ctx.queue.as_ref(),
        QueueName::Imports,
        visibility,
        0,
        |batch| run_import::consume(&ctx, batch),
    )
    .await
    .expect("pump")
        > 0
    {
        runs += 1;
        assert!(runs < 10, "the import keeps coming back");
    }
    assert!(runs >= 1, "the killed run's message came back");
    let done = imports::get(ctx.store.as_ref(), TENANT, &import.id)
        .await
        .expect("read")
        .expect("import");
    assert_eq!(done.status, ImportStatus::Done);
    assert_eq!(done.counts, expected, "each row counted once");
    assert_eq!(done.percent, 100);
    assert_eq!(
        customer_count(&ctx).await,
        expected.created as usize,
        "one customer per client row, none twice"
    );
    let refused = imports::refused(ctx.store.as_ref(), TENANT, &import.id)
        .await
        .expect("refused rows");
    assert_eq!(refused.len() as u64, expected.refused);
    assert_eq!(
        refused[0].row, 98,
        "row 97 of the data is the sheet's row 98"
    );
    assert!(
        refused[0].reasons[0].starts_with("phone:"),
        "{:?}",
        refused[0]
    );
    assert_eq!(
        ctx.queue
            .dead_letters(QueueName::Imports, 10)
            .await
            .expect("dlq"),
        vec![],
        "nothing parked"
    );
}

fn ctx_on(queue: Arc<dyn Queue>, clock: Arc<FixedClock>, files: &std::path::Path) -> Ctx {
    ctx_with(
        Arc::new(SqliteStore::in_memory().expect("store")),
        queue,
        clock,
        files,
    )
}

fn ctx_with(
    store: Arc<dyn crm_shared::ports::store::Store>,
    queue: Arc<dyn Queue>,
    clock: Arc<FixedClock>,
    files: &std::path::Path,
) -> Ctx {
    Ctx::new(Ports {
        store,
        bus: Arc::new(LocalBus::new()),
        clock,
        queue,
        sms: Arc::new(Outbox::new()),
        capi: Arc::new(RecordingCapi::new()),
        directory: Arc::new(crm_shared::ports::directory::SelfSignUp),
        vault: Arc::new(crm_shared::adapters::local_vault::LocalVault::ephemeral()),
    })
    .with_files(Arc::new(LocalFiles::new(files)))
}

fn start() -> Arc<FixedClock> {
    Arc::new(FixedClock::at(
        chrono::DateTime::parse_from_rfc3339("2026-03-02T10:00:00Z")
            .expect("time")
            .to_utc(),
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_import_resumes_on_the_local_queue() {
    let clock = start();
    let queue = LocalQueue::in_memory(clock.clone()).expect("queue");
    let dir = std::env::temp_dir().join(format!("crm-import-{}", ulid::Ulid::new()));
    let ctx = ctx_on(Arc::new(queue), clock.clone(), &dir);
    a_killed_import_resumes_and_imports_each_row_once(ctx, 600, || async move {
        clock.advance(chrono::Duration::seconds(601));
    })
    .await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_import_resumes_on_sqs() {
    let clock = start();
    let queue = support::sqs_queue(QueueName::Imports).await;
    let dir = std::env::temp_dir().join(format!("crm-import-{}", ulid::Ulid::new()));
    let ctx = ctx_on(Arc::new(queue), clock, &dir);
    a_killed_import_resumes_and_imports_each_row_once(ctx, 2, || async {
        tokio::time::sleep(Duration::from_secs(3)).await;
    })
    .await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// The cloud's path end to end: SQS and the DynamoDB adapter (moto), rows applied a few at a
/// time (concurrent transactions on one table), a near-duplicate pair within the file
/// recorded once, exact counts, and the uploaded file deleted at the end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_runs_on_sqs_and_dynamodb_with_rows_applied_together() {
    let clock = start();
    let queue = support::sqs_queue(QueueName::Imports).await;
    let store = Arc::new(support::dynamo_store("imports").await);
    let dir = std::env::temp_dir().join(format!("crm-import-{}", ulid::Ulid::new()));
    let ctx = ctx_with(store, Arc::new(queue), clock, &dir);
    // 38 people (names no two alike, numbers in one block: a digit apart is not enough on
    // its own) and one person twice, her name and number each mistyped once.
    let first = [
        "Aoife", "Conor", "Niamh", "Darragh", "Saoirse", "Eoin", "Grainne", "Tadhg",
    ];
    let last = ["Murphy", "Kelly", "Byrne", "Walsh", "Ryan"];
    let mut csv = String::from("Name,Mobile,Email\n");
    for i in 0..38 {
        let name = format!("{} {}", first[i % 8], last[i / 8]);
        csv.push_str(&format!("{name},087 200 {i:04},c{i}@example.ie\n"));
    }
    csv.push_str("Orla Gallagher,087 555 1234,\nOrla Galagher,087 555 1284,\n");
    let import = queued_import(&ctx, &csv).await;
    let task = ImportTask {
        tenant_id: TENANT.into(),
        import_id: import.id.clone(),
    };
    enqueue(&ctx, &task).await.expect("queued");
    while pump(ctx.queue.as_ref(), QueueName::Imports, 600, 0, |batch| {
        run_import::consume(&ctx, batch)
    })
    .await
    .expect("pump")
        > 0
    {}
    let done = imports::get(ctx.store.as_ref(), TENANT, &import.id)
        .await
        .expect("read")
        .expect("import");
    assert_eq!(
        (done.status, done.counts.created, done.counts.done),
        (ImportStatus::Done, 40, 40),
        "{:?}",
        ctx.queue.dead_letters(QueueName::Imports, 10).await
    );
    assert_eq!(customer_count(&ctx).await, 40);
    let pairs = customers::pairs(ctx.store.as_ref(), TENANT, 10)
        .await
        .expect("pairs");
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    assert_eq!(
        pairs[0].reasons,
        ["similar name, phone differs in one digit"]
    );
    assert_eq!(
        ctx.files
            .get(&keys::import_file(TENANT, &import.id))
            .await
            .expect("files"),
        None,
        "the uploaded file is gone once the import is done"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
