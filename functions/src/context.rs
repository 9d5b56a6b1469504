//! What a handler gets: the ports it may use, and nothing that says which adapters fill them.
//! The Lambda wiring (`crate::lambda`) fills them with AWS adapters, crm-local with embedded
//! ones, tests with whatever they need.

use std::sync::Arc;

use crm_shared::domain::secret::Secret;
use crm_shared::domain::tenant::TenantSettings;
use crm_shared::http::problem::ApiError;
use crm_shared::ports::bus::EventBus;
use crm_shared::ports::capi::ConversionsApi;
use crm_shared::ports::clock::Clock;
use crm_shared::ports::directory::Directory;
use crm_shared::ports::files::FileStore;
use crm_shared::ports::queue::Queue;
use crm_shared::ports::sms::SmsProvider;
use crm_shared::ports::store::Store;
use crm_shared::ports::vault::Vault;
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
    /// Meta's Conversions API.
    pub capi: Arc<dyn ConversionsApi>,
    /// How invited members get in (a link locally, the identity provider in the cloud).
    pub directory: Arc<dyn Directory>,
    /// Seals the secrets settings keep and opens them for the handlers that use them.
    pub vault: Arc<dyn Vault>,
    /// Files kept while work on them runs (uploaded client lists). Unconfigured unless the
    /// caller sets one ([`Ctx::with_files`]): only the imports' functions keep files.
    pub files: Arc<dyn FileStore>,
    /// The SMS provider's auth token, sealed for the platform: its callbacks (inbound texts,
    /// delivery reports) signed with it (`X-Twilio-Signature`) are accepted. None → only our
    /// own signature is.
    pub provider_token: Option<Secret>,
    /// The API's public base URL (`https://…/prod`): texts ask the provider to report their
    /// delivery to the sending tenant's hook under it. None → the provider account's default.
    pub public_url: Option<Arc<str>>,
}

/// Every port a `Ctx` needs, chosen by the caller: there are no defaults, so no adapter is
/// built that the caller then throws away.
#[derive(Clone)]
pub struct Ports {
    pub store: Arc<dyn Store>,
    pub bus: Arc<dyn EventBus>,
    pub clock: Arc<dyn Clock>,
    pub queue: Arc<dyn Queue>,
    pub sms: Arc<dyn SmsProvider>,
    pub capi: Arc<dyn ConversionsApi>,
    pub directory: Arc<dyn Directory>,
    pub vault: Arc<dyn Vault>,
}

impl Ctx {
    /// A context on these ports, with an empty settings cache and no provider token.
    pub fn new(ports: Ports) -> Self {
        let Ports {
            store,
            bus,
            clock,
            queue,
            sms,
            capi,
            directory,
            vault,
        } = ports;
        Self {
            store,
            bus,
            clock,
            queue,
            sms,
            settings: Arc::default(),
            capi,
            directory,
            vault,
            files: Arc::new(crm_shared::ports::files::Unconfigured),
            provider_token: None,
            public_url: None,
        }
    }

    /// The API's public base URL (no trailing slash).
    pub fn with_public_url(mut self, url: &str) -> Self {
        self.public_url = Some(Arc::from(url.trim_end_matches('/')));
        self
    }

    /// The file store (the imports' functions).
    pub fn with_files(mut self, files: Arc<dyn FileStore>) -> Self {
        self.files = files;
        self
    }

    /// The SMS provider's auth token (sealed for the platform by this context's vault).
    pub fn with_provider_token(mut self, token: Secret) -> Self {
        self.provider_token = Some(token);
        self
    }

    /// The caller's tenant settings (cached for a few seconds), or 404 when it has none.
    pub async fn tenant_settings(&self, tenant: &str) -> Result<TenantSettings, ApiError> {
        self.settings
            .get(self.store.as_ref(), tenant)
            .await?
            .ok_or(ApiError::NotFound("tenant"))
    }
}
