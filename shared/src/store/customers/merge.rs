//! Merging two customers who are one person (DESIGN §2.2, issue 19). The kept customer takes
//! the other's bookings (with their owners), timeline and notes, the items its pointers name
//! (messages, calls), its leads, phones, emails and tags; its KPIs are recomputed from the
//! booking facts it then holds; the removed id is left answering where it went.
//!
//! Resumable and idempotent: the first write records the removed customer as it was under
//! `MERGED` (with whom it went into), every step after is a put of what it should be, and
//! the removed customer's own items go last. A merge interrupted anywhere is run again from
//! the start and finishes; run again after it finished, it changes nothing but the kept
//! customer's version.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::edit::load_customer;
use super::*;
use crate::domain::customer::merged;
use crate::domain::hours::zone;
use crate::domain::tenant::TenantSettings;
use crate::ports::store::{Check, Cond, Index, Update};
use crate::store::keys;
use crate::store::retry::{self, optimistically};

/// The `MERGED` item of a removed customer.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct MergedRecord {
    merged_into: String,
    merged_at: DateTime<Utc>,
    customer: Customer,
}

/// The `MERGED` record of `id`, if it was merged.
async fn merged_record(
    store: &dyn Store,
    tenant: &str,
    id: &str,
) -> Result<Option<MergedRecord>, StoreError> {
    if id.is_empty() || id.contains('#') {
        return Ok(None);
    }
    store
        .get(&keys::merged_key(tenant, id))
        .await?
        .map(|item| from_item(&item))
        .transpose()
}

/// Where a merged customer went, if `id` was merged.
pub async fn merged_into(
    store: &dyn Store,
    tenant: &str,
    id: &str,
) -> Result<Option<String>, StoreError> {
    Ok(merged_record(store, tenant, id)
        .await?
        .map(|r| r.merged_into))
}

/// A merged customer as they were when merged, if `id` was merged.
pub async fn merged_snapshot(
    store: &dyn Store,
    tenant: &str,
    id: &str,
) -> Result<Option<Customer>, StoreError> {
    Ok(merged_record(store, tenant, id).await?.map(|r| r.customer))
}

/// Every item of a customer's partition.
async fn partition_items(store: &dyn Store, pk: &str) -> Result<Vec<Item>, StoreError> {
    let mut items = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .query(
                &Query::new(Index::Primary, pk.to_owned())
                    .limit(100)
                    .after(cursor),
            )
            .await?;
        items.extend(page.items);
        cursor = page.next;
        if cursor.is_none() {
            return Ok(items);
        }
    }
}

/// `item` moved to partition `pk`.
fn moved(mut item: Item, pk: &str) -> Write {
    item.insert(PK.into(), pk.into());
    Write::put(item)
}

/// Puts `writes` 25 to a transaction (each is a put of what should be: order is free).
async fn put_all(store: &dyn Store, writes: Vec<Write>) -> Result<(), StoreError> {
    let mut writes = writes;
    while !writes.is_empty() {
        let rest = writes.split_off(writes.len().min(25));
        store.transact(writes).await?;
        writes = rest;
    }
    Ok(())
}

/// Merges customer `remove` into `keep` (see the module's description), as `pair` (the pair
/// under review, left in place; the removed customer's other pairs go) says; `audit` names the
/// timeline entry the kept customer gets (a fixed id: the same merge run again writes it once).
/// `NotFound` when either is gone (and `remove` was not merged into `keep` before). The kept
/// customer's write is version-guarded (a change meanwhile is read again and merged again).
pub async fn merge(
    store: &dyn Store,
    settings: &TenantSettings,
    keep: &str,
    remove: &str,
    pair: &str,
    audit: &str,
    now: DateTime<Utc>,
) -> Result<Customer, CustomerWriteError> {
    let tenant = settings.tenant_id.as_str();
    if keep == remove {
        return Err(CustomerWriteError::NotFound);
    }
    load_customer(store, tenant, keep).await?;
    // The removed customer as it is, or as it was when this merge began.
    let (removed, removed_live) = match get(store, tenant, remove).await? {
        Some(c) => (c, true),
        None => match merged_record(store, tenant, remove).await? {
            Some(record) => {
                if record.merged_into != keep {
                    return Err(CustomerWriteError::NotFound);
                }
                (record.customer, false)
            }
            None => return Err(CustomerWriteError::NotFound),
        },
    };
    let keep_pk = customer_pk(tenant, keep);
    let remove_pk = customer_pk(tenant, remove);
    if removed_live {
        let mut record = to_item(&MergedRecord {
            merged_into: keep.to_owned(),
            merged_at: now,
            customer: removed.clone(),
        })?;
        let key = keys::merged_key(tenant, remove);
        record.insert(PK.into(), key.pk.into());
        record.insert(SK.into(), key.sk.into());
        store.write(Write::put(record)).await?;
    }
    // Copy what is the removed customer's to the kept one (puts: again is the same).
    let items = partition_items(store, &remove_pk).await?;
    // The kept customer points at the removed one's record: erasing the person erases it too.
    let mut copies = vec![Write::put(
        keys::owned_pointer_key(tenant, keep, &keys::merged_key(tenant, remove)).item(),
    )];
    let mut doomed: Vec<Key> = Vec::new();
    for item in items {
        let Some(key) = Key::of(&item) else { continue };
        if key.sk == "C" || key.sk == "MERGED" {
            continue;
        }
        if let Some(booking) = key.sk.strip_prefix(keys::BOOKING_PREFIX) {
            copies.push(Write::put(owner_item(
                &booking_owner_key(tenant, booking),
                keep,
            )));
            let mut item = item.clone();
            item.insert("customer_id".into(), keep.into());
            copies.push(moved(item, &keep_pk));
        } else if key.sk.starts_with(keys::TIMELINE_PREFIX) {
            copies.push(moved(item.clone(), &keep_pk));
        } else if let Some(owned) = pointed(&key.sk) {
            copies.push(moved(item.clone(), &keep_pk));
            if let Some(mut target) = store.get(&owned).await? {
                if target.get("customer_id").and_then(Value::as_str) == Some(remove) {
                    target.insert("customer_id".into(), keep.into());
                    copies.push(Write::put(target));
                }
            }
        } else if let Some(other) = key.sk.strip_prefix(keys::DUP_POINTER) {
            // The removed customer's other pending pairs name someone no longer there.
            if other != pair {
                doomed.push(Key::new(keys::duplicates_pk(tenant), other));
            }
        }
        doomed.push(key);
    }
    for phone in &removed.phones {
        copies.push(Write::put(owner_item(
            &phone_owner_key(tenant, phone),
            keep,
        )));
    }
    for email in &removed.emails {
        copies.push(Write::put(owner_item(
            &email_owner_key(tenant, email),
            keep,
        )));
    }
    put_all(store, copies).await?;
    for lead in &removed.lead_ids {
        let pointed_at_keep = Write::Update {
            key: keys::lead(tenant, lead),
            update: Update::default().set("customer_id", keep),
            check: Some(Check::new("lead", Cond::Exists)),
        };
        match store.write(pointed_at_keep).await {
            // A lead erased meanwhile: nothing of it to point.
            Ok(()) | Err(StoreError::ConditionFailed("lead")) => {}
            Err(e) => return Err(e.into()),
        }
    }
    // The kept customer, recomputed from the booking facts it now holds.
    let tz = zone(&settings.time_zone);
    let after = optimistically(|| {
        let removed = &removed;
        async move {
            let before = load_customer(store, tenant, keep).await?;
            let bookings = bookings(store, tenant, keep).await?;
            let after = merged(&before, removed, &bookings, &settings.thresholds, tz, now);
            let mut writes = vec![Write::put(customer_item(tenant, &after)?).with_check(
                Check::new(
                    "customer_version",
                    Cond::Eq("version".into(), before.version.into()),
                ),
            )];
            writes.extend(token_writes(
                tenant,
                keep,
                &search_tokens(&before),
                &search_tokens(&after),
            ));
            writes.extend(due_writes(tenant, Some(&before), &after, tz));
            writes.push(entry_write(
                tenant,
                keep,
                &TimelineEntry {
                    id: audit.to_owned(),
                    kind: "merge".into(),
                    at: now,
                    text: format!("Merged with {} ({remove})", display_name(removed)),
                    data: serde_json::json!({"merged_id": remove, "phones": removed.phones, "emails": removed.emails}),
                },
            )?);
            Ok::<_, CustomerWriteError>(
                retry::commit(store, writes, &["customer_version"])
                    .await?
                    .map(|()| after),
            )
        }
    })
    .await?;
    // Last, what was the removed customer's own: its items, search entries and record.
    for token in search_tokens(&removed) {
        doomed.push(keys::search_key(tenant, &token, remove));
    }
    crate::store::delete_keys(store, &doomed).await?;
    if removed_live {
        store
            .write(Write::Delete {
                key: customer_key(tenant, remove),
                check: None,
            })
            .await?;
    }
    tracing::info!(tenant = %tenant, kept = %keep, removed = %remove, "customers merged");
    Ok(after)
}

fn display_name(c: &Customer) -> &str {
    if c.name.trim().is_empty() {
        "a customer"
    } else {
        &c.name
    }
}
