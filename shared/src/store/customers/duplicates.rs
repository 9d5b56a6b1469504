//! Possible duplicates (DESIGN §2.2): the candidates of a customer just made are found
//! through the search items, never by scanning, and each that matches by the rules of
//! `domain::duplicate` is recorded as a pending pair for staff to review.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::*;
use crate::domain::duplicate::{self, DuplicatePair};
use crate::ports::store::{
    from_item, to_item, Check, Cond, Cursor, Index, Key, Query, SkCond, Store, StoreError, Write,
    PK, SK,
};
use crate::store::keys::duplicates_pk;

/// Customer ids whose search items start with `prefix` (one page of `limit`).
async fn ids_with_token_prefix(
    store: &dyn Store,
    tenant: &str,
    prefix: &str,
    limit: u32,
) -> Result<Vec<String>, StoreError> {
    let page = store
        .query(
            &Query::new(Index::Primary, keys::search_pk(tenant, prefix))
                .sk(SkCond::BeginsWith(prefix.to_owned()))
                .limit(limit),
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

/// The id of the pair of customers `a` and `b`, whichever was checked against the other: a
/// ULID with the newer customer's time and randomness drawn from both ids. Recording a pair
/// twice (each of two customers made together finds the other; a chunk redone) writes one
/// pair, and a pair once ignored or kept both is not raised again.
pub fn pair_id(a: &str, b: &str) -> String {
    let (low, high) = if a <= b { (a, b) } else { (b, a) };
    let millis = [a, b]
        .iter()
        .filter_map(|id| ulid::Ulid::from_string(id).ok())
        .map(|u| u.timestamp_ms())
        .max()
        .unwrap_or_default();
    keys::derived_id(millis, &format!("{low}#{high}"))
}

/// Finds the partial matches of a customer just made (`duplicate::probes` says where to look
/// among the search items, one bounded page each; the customers found are read in one batch;
/// `duplicate::score` says whether each matches) and records each as a pending pair, once
/// per two customers (see [`pair_id`]).
pub async fn record_candidates(
    store: &dyn Store,
    tenant: &str,
    new: &Customer,
    now: DateTime<Utc>,
) -> Result<Vec<DuplicatePair>, StoreError> {
    let mut seen = BTreeSet::new();
    for (prefix, limit) in duplicate::probes(new).all() {
        for id in ids_with_token_prefix(store, tenant, prefix, limit).await? {
            if id != new.id {
                seen.insert(id);
            }
        }
    }
    if seen.is_empty() {
        return Ok(Vec::new());
    }
    let wanted: Vec<_> = seen.iter().map(|id| customer_key(tenant, id)).collect();
    let mut found = BTreeMap::new();
    for item in store.get_many(&wanted).await? {
        let theirs: Customer = customer_of(&item)?;
        if let Some(matched) = duplicate::score(new, &theirs) {
            found.insert(theirs.id.clone(), matched);
        }
    }
    let mut pairs = Vec::new();
    for (existing_id, matched) in found {
        let pair = DuplicatePair {
            id: pair_id(&existing_id, &new.id),
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
        let mut writes = vec![Write::put(item).with_check(Check::new("pair", Cond::NotExists))];
        for side in [&pair.existing_id, &pair.new_id] {
            writes.push(Write::put(
                keys::dup_pointer_key(tenant, side, &pair.id).item(),
            ));
        }
        match store.transact(writes).await {
            Ok(()) => pairs.push(pair),
            Err(StoreError::ConditionFailed("pair")) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(pairs)
}

/// A pair with both its customers (a merged-away one as it was when merged).
#[derive(Debug, Clone, PartialEq)]
pub struct PairWithSides {
    pub pair: DuplicatePair,
    pub existing: Customer,
    pub new: Customer,
}

/// Which pairs a page lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairFilter {
    /// Waiting for review, and merges interrupted halfway (resolving again finishes them).
    Open,
    /// Reviewed ones too.
    All,
}

/// A page of the tenant's pairs, newest first, as `filter` says: read a page of pairs at a
/// time (each page's customers in one batch) until `limit` are found or the pairs end. A
/// pair whose customer is gone (deleted, or merged away by another pair) is no longer a
/// question and is left out, but for a merged pair itself, whose removed customer is shown
/// as it was. `next` resumes after the last pair looked at; a request reads at most
/// [`MAX_PAIR_PAGES`] pages, so a page can be short and still have a `next`.
pub async fn pairs_page(
    store: &dyn Store,
    tenant: &str,
    filter: PairFilter,
    limit: u32,
    cursor: Option<Cursor>,
) -> Result<(Vec<PairWithSides>, Option<Cursor>), StoreError> {
    let mut out = Vec::new();
    let mut cursor = cursor;
    let mut pages = 0;
    loop {
        let page = store
            .query(
                &Query::new(Index::Primary, duplicates_pk(tenant))
                    .descending()
                    .limit(limit.max(25))
                    .after(cursor),
            )
            .await?;
        let pairs: Vec<DuplicatePair> =
            page.items.iter().map(from_item).collect::<Result<_, _>>()?;
        let listed = |p: &DuplicatePair| {
            filter == PairFilter::All || p.status == "pending" || p.status == "merging"
        };
        let wanted: BTreeSet<&str> = pairs
            .iter()
            .filter(|p| listed(p))
            .flat_map(|p| [p.existing_id.as_str(), p.new_id.as_str()])
            .collect();
        let keys: Vec<Key> = wanted.iter().map(|id| customer_key(tenant, id)).collect();
        let mut found = BTreeMap::new();
        for item in store.get_many(&keys).await? {
            let c: Customer = customer_of(&item)?;
            found.insert(c.id.clone(), c);
        }
        let count = pairs.len();
        for (at, (item, pair)) in page.items.iter().zip(pairs).enumerate() {
            if !listed(&pair) {
                continue;
            }
            let existing = side(store, tenant, &found, &pair, &pair.existing_id).await?;
            let new = side(store, tenant, &found, &pair, &pair.new_id).await?;
            let (Some(existing), Some(new)) = (existing, new) else {
                continue;
            };
            out.push(PairWithSides {
                pair,
                existing,
                new,
            });
            if out.len() as u32 >= limit {
                let more = at + 1 < count || page.next.is_some();
                let next = if more {
                    Cursor::at(item, Index::Primary)
                } else {
                    None
                };
                return Ok((out, next));
            }
        }
        cursor = page.next;
        pages += 1;
        // Bounded work per request: a short page with a cursor asks the client to go on.
        if cursor.is_none() || pages == MAX_PAIR_PAGES {
            return Ok((out, cursor));
        }
    }
}

/// Pages of pairs one request reads at most (many reviewed pairs before a pending one).
const MAX_PAIR_PAGES: u32 = 8;

/// One side of a listed pair: the customer as read, or, for a merged pair, the one merged
/// away as they were.
async fn side(
    store: &dyn Store,
    tenant: &str,
    found: &BTreeMap<String, Customer>,
    pair: &DuplicatePair,
    id: &str,
) -> Result<Option<Customer>, StoreError> {
    Ok(match found.get(id) {
        Some(c) => Some(c.clone()),
        None if pair.status == "merged" => super::merged_snapshot(store, tenant, id).await?,
        None => None,
    })
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
pub async fn check_new(store: &dyn Store, tenant: &str, new: &Customer, now: DateTime<Utc>) {
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
