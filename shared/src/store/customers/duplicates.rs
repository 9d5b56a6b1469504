//! Possible duplicates (DESIGN §2.2): the candidates of a customer just made are found
//! through the search items, never by scanning, and each that matches by the rules of
//! `domain::duplicate` is recorded as a pending pair for staff to review.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::*;
use crate::domain::duplicate::{self, DuplicatePair};
use crate::ports::store::{
    from_item, to_item, Index, Query, SkCond, Store, StoreError, Write, PK, SK,
};
use crate::store::keys::duplicates_pk;

/// Customer ids whose search items start with `prefix`.
async fn ids_with_token_prefix(
    store: &dyn Store,
    tenant: &str,
    prefix: &str,
) -> Result<Vec<String>, StoreError> {
    let page = store
        .query(
            &Query::new(Index::Primary, keys::search_pk(tenant, prefix))
                .sk(SkCond::BeginsWith(prefix.to_owned()))
                .limit(50),
        )
        .await?;
    Ok(page
        .items
        .iter()
        .filter_map(|i| {
            i.get("customer_id")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .collect())
}

/// Finds the partial matches of a customer just made (`duplicate::probes` says where to look
/// among the search items, `duplicate::score` whether a customer found there matches) and
/// records each as a pending pair.
pub async fn record_candidates(
    store: &dyn Store,
    tenant: &str,
    new: &Customer,
    now: DateTime<Utc>,
) -> Result<Vec<DuplicatePair>, StoreError> {
    let mut seen = BTreeSet::new();
    let mut found = BTreeMap::new();
    for prefix in duplicate::probes(new) {
        for id in ids_with_token_prefix(store, tenant, &prefix).await? {
            if id == new.id || !seen.insert(id.clone()) {
                continue;
            }
            if let Some(theirs) = get(store, tenant, &id).await? {
                if let Some(matched) = duplicate::score(new, &theirs) {
                    found.insert(id, matched);
                }
            }
        }
    }
    let mut pairs = Vec::new();
    for (existing_id, matched) in found {
        let pair = DuplicatePair {
            id: keys::sequential_id(now),
            existing_id,
            new_id: new.id.clone(),
            score: matched.score,
            reasons: matched.reasons,
            status: "pending".into(),
            created_at: now,
            resolved_by: None,
            resolved_at: None,
            kept_id: None,
        };
        let mut item = to_item(&pair)?;
        item.insert(PK.into(), duplicates_pk(tenant).into());
        item.insert(SK.into(), pair.id.clone().into());
        // Each customer keeps a pointer to the pair, so deleting either removes it.
        let mut writes = vec![Write::put(item)];
        for side in [&pair.existing_id, &pair.new_id] {
            writes.push(Write::put(
                keys::dup_pointer_key(tenant, side, &pair.id).item(),
            ));
        }
        store.transact(writes).await?;
        pairs.push(pair);
    }
    Ok(pairs)
}

/// The tenant's pairs, newest first (one page).
pub async fn pairs(
    store: &dyn Store,
    tenant: &str,
    limit: u32,
) -> Result<Vec<DuplicatePair>, StoreError> {
    let page = store
        .query(
            &Query::new(Index::Primary, duplicates_pk(tenant))
                .descending()
                .limit(limit),
        )
        .await?;
    page.items.iter().map(from_item).collect()
}

/// Records candidates, logging (not failing on) a store error: the customer exists either
/// way, and a missed pair costs a review, not data.
pub(crate) async fn check_new(store: &dyn Store, tenant: &str, new: &Customer, now: DateTime<Utc>) {
    if let Err(e) = record_candidates(store, tenant, new, now).await {
        tracing::warn!(tenant = %tenant, customer_id = %new.id, error = %e, "duplicate check failed");
    }
}

/// One pair of the tenant.
pub async fn pair(
    store: &dyn Store,
    tenant: &str,
    id: &str,
) -> Result<Option<DuplicatePair>, StoreError> {
    if id.is_empty() || id.contains('#') {
        return Ok(None);
    }
    store
        .get(&crate::ports::store::Key::new(duplicates_pk(tenant), id))
        .await?
        .map(|item| from_item(&item))
        .transpose()
}

/// Records the pair as it now is (its review).
pub async fn save_pair(
    store: &dyn Store,
    tenant: &str,
    pair: &DuplicatePair,
) -> Result<(), StoreError> {
    let mut item = to_item(pair)?;
    item.insert(PK.into(), duplicates_pk(tenant).into());
    item.insert(SK.into(), pair.id.clone().into());
    store.write(Write::put(item)).await
}
