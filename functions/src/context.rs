//! What a handler gets: the ports it may use. Bins fill it with AWS adapters, crm-local
//! with embedded ones, tests with whatever they need.

use std::sync::Arc;

use crm_shared::adapters::local_capi::RecordingCapi;
use crm_shared::adapters::local_queue::LocalQueue;
use crm_shared::adapters::outbox::Outbox;
use crm_shared::domain::events::Event;
use crm_shared::domain::tenant::TenantSettings;
use crm_shared::http::problem::ApiError;
use crm_shared::ports::bus::EventBus;
use crm_shared::ports::capi::ConversionsApi;
use crm_shared::ports::clock::Clock;
use crm_shared::ports::queue::Queue;
use crm_shared::ports::sms::SmsProvider;
use crm_shared::ports::store::Store;
use crm_shared::store::tenants::SettingsCache;

#[derive(Clone)]
pub struct Ctx {
    pub store: Arc<dyn Store>,
    pub bus: Arc<dyn EventBus>,
    pub clock: Arc<dyn Clock>,
    /// Queues of work for the consumers (SMS, conversions).
    pub queue: Arc<dyn Queue>,
    /// The SMS provider texts go out through.
    pub sms: Arc<dyn SmsProvider>,
    /// Tenant settings this process read recently.
    pub settings: Arc<SettingsCache>,
    /// Meta's Conversions API; a recorder that sends nothing until `with_capi` chooses
    /// another (the bins choose Meta's Graph API).
    pub capi: Arc<dyn ConversionsApi>,
    /// The SMS provider's auth token: its callbacks (inbound texts, delivery reports) signed
    /// with it (`X-Twilio-Signature`) are accepted. None → only our own signature is.
    pub provider_token: Option<Arc<str>>,
}

impl Ctx {
    /// A context on these ports; the queue is a local one in memory and texts go to a local
    /// outbox until `with_queue` and `with_sms` choose others (the bins choose SQS and the
    /// configured provider, crm-local its queue file).
    pub fn new(store: Arc<dyn Store>, bus: Arc<dyn EventBus>, clock: Arc<dyn Clock>) -> Self {
        // Opening an in-memory database fails only when memory is exhausted.
        let queue = Arc::new(
            LocalQueue::in_memory(clock.clone()).expect("an in-memory SQLite queue opens"),
        );
        Self {
            store,
            bus,
            clock,
            queue,
            sms: Arc::new(Outbox::new()),
            settings: Arc::default(),
            capi: Arc::new(RecordingCapi::new()),
            provider_token: None,
        }
    }

    pub fn with_queue(mut self, queue: Arc<dyn Queue>) -> Self {
        self.queue = queue;
        self
    }

    pub fn with_sms(mut self, sms: Arc<dyn SmsProvider>) -> Self {
        self.sms = sms;
        self
    }

    pub fn with_provider_token(mut self, token: &str) -> Self {
        self.provider_token = Some(Arc::from(token));
        self
    }

    pub fn with_capi(mut self, capi: Arc<dyn ConversionsApi>) -> Self {
        self.capi = capi;
        self
    }

    /// The caller's tenant settings (cached for a few seconds), or 404 when it has none.
    pub async fn tenant_settings(&self, tenant: &str) -> Result<TenantSettings, ApiError> {
        self.settings
            .get(self.store.as_ref(), tenant)
            .await?
            .ok_or(ApiError::NotFound("tenant"))
    }

    /// Publishes events after the state they describe is durable. A failure is logged, not
    /// returned: the write it follows already happened, and consumers that must see every
    /// change (counters) do not depend on the event arriving.
    pub async fn publish(&self, events: Vec<Event>) {
        let types: Vec<&str> = events.iter().map(Event::detail_type).collect();
        if let Err(e) = self.bus.publish(events).await {
            tracing::error!(error = %e, events = ?types, "event publication failed");
        }
    }
}
