//! The SMS senders a tenant may text from (issue 17): a list the operator keeps
//! (`crm-admin sms-sender allow|remove|list`), not the tenant's own free text, so no business
//! can send as another's number. `sms_from` in the settings must be one of them, and the
//! sender checks again at send time (a sender set before the list, or removed from it since,
//! falls back to the provider account's default).

use serde_json::Value;

use crate::ports::store::{Store, StoreError, Update, Write};
use crate::store::keys;

/// The senders `tenant` may use.
pub async fn allowed(store: &dyn Store, tenant: &str) -> Result<Vec<String>, StoreError> {
    Ok(store
        .get(&keys::sms_senders_key(tenant))
        .await?
        .and_then(|item| item.get("senders").cloned())
        .and_then(|v| serde_json::from_value::<Vec<String>>(v).ok())
        .unwrap_or_default())
}

/// Whether `tenant` may send from `sender`.
pub async fn is_allowed(store: &dyn Store, tenant: &str, sender: &str) -> Result<bool, StoreError> {
    Ok(allowed(store, tenant).await?.iter().any(|s| s == sender))
}

/// Sets the list (the operator's command): sorted, without repeats.
pub async fn set(store: &dyn Store, tenant: &str, senders: &[String]) -> Result<(), StoreError> {
    let mut list: Vec<String> = senders.iter().map(|s| s.trim().to_owned()).collect();
    list.sort();
    list.dedup();
    store
        .write(Write::Update {
            key: keys::sms_senders_key(tenant),
            update: Update::default().set("senders", Value::from(list)),
            check: None,
        })
        .await
}
