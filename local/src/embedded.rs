//! crm-local's wiring: the embedded adapters on the data dir behind a `Ctx` (the Lambda
//! functions' is `crm_functions::lambda`). The server and `crm-local job` both start here.

use crm_shared::adapters::local_vault::{self, LocalVault};
use crm_shared::domain::secret::{Purpose, PLATFORM};
use std::sync::Arc;

use crm_functions::{Ctx, Ports};
use crm_shared::adapters::invite_links::InviteLinks;
use crm_shared::adapters::local_bus::LocalBus;
use crm_shared::adapters::local_capi::RecordingCapi;
use crm_shared::adapters::local_files::LocalFiles;
use crm_shared::adapters::local_queue::LocalQueue;
use crm_shared::adapters::outbox::Outbox;
use crm_shared::adapters::sqlite::SqliteStore;
use crm_shared::ports::capi::ConversionsApi;
use crm_shared::ports::clock::Clock;

use crate::LocalConfig;

/// A `Ctx` on the embedded adapters, and those adapters for whoever drives them directly.
pub struct Embedded {
    pub ctx: Ctx,
    /// The store (`crm.sqlite3` in the data dir).
    pub store: SqliteStore,
    pub bus: LocalBus,
    /// The queues (`queues.sqlite3` beside the store).
    pub queue: LocalQueue,
    /// Texts "sent" locally.
    pub outbox: Outbox,
}

/// Opens (or creates) the store and the queues in `config`'s data dir. Conversion events go
/// to `capi` (Meta's Graph API, or a stub) when given, else they are recorded in memory and
/// nothing leaves the machine; texts go to the outbox.
pub fn open(
    config: &LocalConfig,
    clock: Arc<dyn Clock>,
    capi: Option<Arc<dyn ConversionsApi>>,
) -> Result<Embedded, Box<dyn std::error::Error + Send + Sync>> {
    std::fs::create_dir_all(&config.data_dir)?;
    let store = SqliteStore::open(&config.data_dir.join("crm.sqlite3"))?;
    let bus = LocalBus::new();
    let queue = LocalQueue::open(&config.data_dir.join("queues.sqlite3"), clock.clone())?;
    let outbox = Outbox::new();
    // The key that seals the settings' secrets at rest, beside the database (mode 0600).
    let vault = Arc::new(LocalVault::open_or_create(
        &config.data_dir.join(local_vault::KEY_FILE),
    )?);
    let mut ctx = Ctx::new(Ports {
        store: Arc::new(store.clone()),
        bus: Arc::new(bus.clone()),
        clock,
        queue: Arc::new(queue.clone()),
        sms: Arc::new(outbox.clone()),
        capi: capi.unwrap_or_else(|| Arc::new(RecordingCapi::new())),
        // Nothing emails locally: an invite is a link the inviter hands over.
        directory: Arc::new(InviteLinks::new(
            Arc::new(store.clone()),
            config.public_url.as_deref().unwrap_or(""),
        )),
        vault: vault.clone(),
    })
    // Uploaded client lists, kept while their imports run.
    .with_files(Arc::new(LocalFiles::new(config.data_dir.join("files"))));
    if let Some(token) = &config.sms_provider_token {
        // Held sealed in memory like the cloud's, and opened by the same path.
        ctx = ctx.with_provider_token(vault.seal_now(PLATFORM, Purpose::SmsProvider, token)?);
    }
    Ok(Embedded {
        ctx,
        store,
        bus,
        queue,
        outbox,
    })
}
