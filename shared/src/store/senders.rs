//! The SMS senders a tenant may text from (issue 17): a list the operator keeps
//! (`crm-admin sms-sender allow|remove|list`), not the tenant's own free text, so no business
//! can send as another's number. `sms_from` in the settings must be one of them, and the
//! sender checks again at send time (a sender set before the list, or removed from it since,
//! falls back to the provider account's default).
//!
//! A sender may be shared (one number for several small businesses): each allowed pair is
//! also kept under the sender (`keys::sender_tenant_key`), so a STOP the provider reports on a
//! shared number reaches every business that texts from it ([`sharing`]).

use serde_json::Value;

use crate::ports::store::{Index, Item, Query, SkCond, Store, StoreError, Update, Write, PK, SK};
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

/// Sets the list (the operator's command): sorted, without repeats; in the same transaction
/// each sender's list of tenants gains or loses this one.
pub async fn set(store: &dyn Store, tenant: &str, senders: &[String]) -> Result<(), StoreError> {
    let mut list: Vec<String> = senders.iter().map(|s| s.trim().to_owned()).collect();
    list.sort();
    list.dedup();
    let before = allowed(store, tenant).await?;
    let mut writes = vec![Write::Update {
        key: keys::sms_senders_key(tenant),
        update: Update::default().set("senders", Value::from(list.clone())),
        check: None,
    }];
    writes.extend(
        list.iter()
            .filter(|s| !before.contains(s))
            .map(|s| Write::put(pair_item(s, tenant))),
    );
    writes.extend(
        before
            .iter()
            .filter(|s| !list.contains(s))
            .map(|s| Write::Delete {
                key: keys::sender_tenant_key(s, tenant),
                check: None,
            }),
    );
    store.transact(writes).await
}

/// Writes the sender → tenant entries of `tenant`'s list (lists set before the entries
/// existed; idempotent). How many.
pub async fn reindex(store: &dyn Store, tenant: &str) -> Result<usize, StoreError> {
    let list = allowed(store, tenant).await?;
    for sender in &list {
        store.write(Write::put(pair_item(sender, tenant))).await?;
    }
    Ok(list.len())
}

/// The tenants allowed `sender` (one page: a number is shared by a handful of businesses).
pub async fn sharing(store: &dyn Store, sender: &str) -> Result<Vec<String>, StoreError> {
    let page = store
        .query(
            &Query::new(Index::Primary, keys::sender_tenants_pk(sender))
                .sk(SkCond::BeginsWith("T#".into()))
                .limit(1000),
        )
        .await?;
    Ok(page
        .items
        .iter()
        .filter_map(|i| {
            i.get("tenant_id")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .collect())
}

fn pair_item(sender: &str, tenant: &str) -> Item {
    let key = keys::sender_tenant_key(sender, tenant);
    let mut item = Item::new();
    item.insert(PK.into(), key.pk.into());
    item.insert(SK.into(), key.sk.into());
    item.insert("tenant_id".into(), tenant.into());
    item
}
