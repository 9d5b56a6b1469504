//! The ports the handler tests run on unless a test chooses others: a queue in memory, an
//! outbox for texts, conversion events recorded in memory.

use std::sync::Arc;

use crm_functions::Ports;
use crm_shared::adapters::local_capi::RecordingCapi;
use crm_shared::adapters::local_queue::LocalQueue;
use crm_shared::adapters::outbox::Outbox;
use crm_shared::ports::bus::EventBus;
use crm_shared::ports::clock::Clock;
use crm_shared::ports::store::Store;

pub fn ports(store: Arc<dyn Store>, bus: Arc<dyn EventBus>, clock: Arc<dyn Clock>) -> Ports {
    let queue = LocalQueue::in_memory(clock.clone()).expect("an in-memory SQLite queue opens");
    Ports {
        store,
        bus,
        clock,
        queue: Arc::new(queue),
        sms: Arc::new(Outbox::new()),
        capi: Arc::new(RecordingCapi::new()),
        directory: Arc::new(crm_shared::ports::directory::SelfSignUp),
        vault: Arc::new(crm_shared::adapters::local_vault::LocalVault::ephemeral()),
    }
}
