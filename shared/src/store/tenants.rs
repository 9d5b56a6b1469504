//! Tenant settings and the registry of tenants (read by jobs that run for every tenant).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::domain::secret::Purpose;
use crate::domain::tenant::TenantSettings;
use crate::domain::validation::FieldError;
use crate::ports::store::{
    from_item, to_item, Check, Cond, Query, SkCond, Store, StoreError, Write, PK, SK,
};
use crate::ports::vault::{Vault, VaultError};
use crate::store::keys;
use crate::store::retry::{optimistically, Attempt};

/// How long a process trusts settings it read (DESIGN §6: handlers keep cached settings).
pub const SETTINGS_TTL: Duration = Duration::from_secs(5);

/// Settings read recently by this process: a capture then costs no settings read.
#[derive(Debug, Default)]
pub struct SettingsCache {
    entries: Mutex<HashMap<String, (TenantSettings, Instant)>>,
}

impl SettingsCache {
    /// The tenant's settings, from the cache when read less than `SETTINGS_TTL` ago. Unknown
    /// tenants are not cached, so a tenant created a moment ago is found at once.
    pub async fn get(
        &self,
        store: &dyn Store,
        tenant: &str,
    ) -> Result<Option<TenantSettings>, StoreError> {
        if let Ok(entries) = self.entries.lock() {
            if let Some((settings, at)) = entries.get(tenant) {
                if at.elapsed() < SETTINGS_TTL {
                    return Ok(Some(settings.clone()));
                }
            }
        }
        let fresh = get(store, tenant).await?;
        if let (Some(settings), Ok(mut entries)) = (&fresh, self.entries.lock()) {
            entries.insert(tenant.to_owned(), (settings.clone(), Instant::now()));
        }
        Ok(fresh)
    }
}

impl SettingsCache {
    /// Drops what this process cached of a tenant (after it changed its settings).
    pub fn forget(&self, tenant: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(tenant);
        }
    }
}

/// Check name of a settings write that lost to another change since its read.
pub const SETTINGS_CHANGED: &str = "settings_changed";

/// Replaces the settings read at `version` (`versioned` tells it) and answers the new version.
/// `ConditionFailed(SETTINGS_CHANGED)` when they changed since, or the tenant is gone: read
/// again. Settings stored before versions existed have none and count as version 0.
pub async fn put(
    store: &dyn Store,
    settings: &TenantSettings,
    version: u64,
) -> Result<u64, StoreError> {
    let key = keys::settings(&settings.tenant_id);
    let mut item = to_item(settings)?;
    item.insert(PK.into(), key.pk.into());
    item.insert(SK.into(), key.sk.into());
    item.insert(VERSION.into(), Value::from(version + 1));
    let unchanged = if version == 0 {
        Cond::Or(vec![
            Cond::AttrNotExists(VERSION.into()),
            Cond::Eq(VERSION.into(), 0.into()),
        ])
    } else {
        Cond::Eq(VERSION.into(), version.into())
    };
    store
        .write(Write::put(item).with_check(Check::new(
            SETTINGS_CHANGED,
            Cond::And(vec![Cond::Exists, unchanged]),
        )))
        .await?;
    Ok(version + 1)
}

/// Why a change of settings was not made.
#[derive(Debug, thiserror::Error)]
pub enum SettingsChangeError {
    #[error("tenant not found")]
    NotFound,
    /// The caller pinned a version and the settings moved past it.
    #[error("the settings changed since (now version {current})")]
    Stale { current: u64 },
    #[error("invalid settings")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A secret could not be sealed: nothing was written.
    #[error(transparent)]
    Vault(#[from] VaultError),
}

/// Seals the secrets of `settings` that are not sealed yet (typed a moment ago, or stored by
/// a version before secrets were sealed). Whether any was.
pub async fn seal_secrets(
    vault: &dyn Vault,
    settings: &mut TenantSettings,
) -> Result<bool, VaultError> {
    let tenant = settings.tenant_id.clone();
    let mut sealed = false;
    if let Some(secret) = settings.webhook_secret.as_mut().filter(|s| !s.is_sealed()) {
        *secret = vault
            .seal(&tenant, Purpose::Webhook, secret.stored())
            .await?;
        sealed = true;
    }
    if let Some(meta) = settings.meta.as_mut() {
        if !meta.access_token.is_sealed() && !meta.access_token.is_empty() {
            meta.access_token = vault
                .seal(&tenant, Purpose::Meta, meta.access_token.stored())
                .await?;
            sealed = true;
        }
    }
    Ok(sealed)
}

/// Seals what `tenant`'s stored settings hold unsealed (`crm-admin migrate secrets`, and
/// crm-local at start): a versioned rewrite, read again when it races a change. Whether
/// anything was sealed.
pub async fn seal_stored_secrets(
    store: &dyn Store,
    vault: &dyn Vault,
    tenant: &str,
) -> Result<bool, SettingsChangeError> {
    optimistically(|| async move {
        let Some((mut settings, version)) = versioned(store, tenant).await? else {
            return Ok(Attempt::Done(false));
        };
        if !seal_secrets(vault, &mut settings).await? {
            return Ok(Attempt::Done(false));
        }
        match put(store, &settings, version).await {
            Ok(_) => Ok(Attempt::Done(true)),
            Err(StoreError::ConditionFailed(SETTINGS_CHANGED)) => Ok(Attempt::Collided),
            Err(e) => Err(e.into()),
        }
    })
    .await
}

/// Changes a tenant's settings with `change` (the fields it could not take, if any, refuse
/// the whole change). With `expected`, settings at another version are refused; without, a
/// change that raced another is read and applied again on top of it, so neither is lost
/// (every failed try is another change's success: N changes at once land within N tries).
/// Secrets the change typed (and any stored unsealed) are sealed by `vault` before the write.
/// The settings as changed and their new version.
pub async fn change(
    store: &dyn Store,
    vault: &dyn Vault,
    tenant: &str,
    expected: Option<u64>,
    change: impl Fn(&mut TenantSettings) -> Vec<FieldError>,
) -> Result<(TenantSettings, u64), SettingsChangeError> {
    let change = &change;
    optimistically(|| async move {
        let (mut settings, version) = versioned(store, tenant)
            .await?
            .ok_or(SettingsChangeError::NotFound)?;
        if expected.is_some_and(|v| v != version) {
            return Err(SettingsChangeError::Stale { current: version });
        }
        let errors = change(&mut settings);
        if !errors.is_empty() {
            return Err(SettingsChangeError::Invalid(errors));
        }
        seal_secrets(vault, &mut settings).await?;
        match put(store, &settings, version).await {
            Ok(now) => Ok(Attempt::Done((settings, now))),
            // Changed since the read (or the tenant went): read again.
            Err(StoreError::ConditionFailed(SETTINGS_CHANGED)) => Ok(Attempt::Collided),
            Err(e) => Err(e.into()),
        }
    })
    .await
}

/// The version attribute of the settings item (not part of `TenantSettings`).
const VERSION: &str = "version";

pub async fn get(store: &dyn Store, tenant: &str) -> Result<Option<TenantSettings>, StoreError> {
    Ok(versioned(store, tenant).await?.map(|(s, _)| s))
}

/// The settings and the version they are at (0 for settings stored before versions).
pub async fn versioned(
    store: &dyn Store,
    tenant: &str,
) -> Result<Option<(TenantSettings, u64)>, StoreError> {
    let Some(item) = store.get(&keys::settings(tenant)).await? else {
        return Ok(None);
    };
    let version = item.get(VERSION).and_then(Value::as_u64).unwrap_or(0);
    Ok(Some((from_item(&item)?, version)))
}

/// Check name of a tenant created under an id already taken.
pub const TENANT_EXISTS: &str = "tenant_exists";

/// Creates a tenant; `ConditionFailed(TENANT_EXISTS)` when it already does.
pub async fn create(store: &dyn Store, settings: &TenantSettings) -> Result<(), StoreError> {
    store.transact(create_writes(settings)?).await
}

/// The writes creating a tenant (its settings, new, and its entry in the registry), for a
/// transaction that may create more with it (its first owner).
pub fn create_writes(settings: &TenantSettings) -> Result<Vec<Write>, StoreError> {
    let key = keys::settings(&settings.tenant_id);
    let mut item = to_item(settings)?;
    item.insert(PK.into(), key.pk.into());
    item.insert(SK.into(), key.sk.into());
    let reg = keys::tenant_registry(&settings.tenant_id);
    let mut registry = crate::ports::store::Item::new();
    registry.insert(PK.into(), reg.pk.into());
    registry.insert(SK.into(), reg.sk.into());
    registry.insert("tenant_id".into(), Value::from(settings.tenant_id.clone()));
    Ok(vec![
        Write::put(item).with_check(Check::new(TENANT_EXISTS, Cond::NotExists)),
        Write::put(registry),
    ])
}

/// Every tenant id, in order (jobs iterate it; one small item per tenant).
pub async fn all_ids(store: &dyn Store) -> Result<Vec<String>, StoreError> {
    let mut ids = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .query(
                &Query::new(crate::ports::store::Index::Primary, keys::TENANTS_PK)
                    .sk(SkCond::All)
                    .limit(500)
                    .after(cursor),
            )
            .await?;
        ids.extend(page.items.iter().filter_map(|i| {
            i.get("tenant_id")
                .and_then(Value::as_str)
                .map(str::to_owned)
        }));
        match page.next {
            Some(c) => cursor = Some(c),
            None => return Ok(ids),
        }
    }
}
