//! Possible duplicates (DESIGN §2.2): an exact phone or email links to the existing customer
//! (ingest, create); a partial match — the same name with a phone differing only in its last
//! two digits, or the same email local part at another domain — is kept as a pending pair
//! for staff to review (merge, keep both, ignore: the review screen's issue). Candidates are
//! found through the search items, never by scanning.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::*;
use crate::ports::store::{
    from_item, to_item, Index, Query, SkCond, Store, StoreError, Write, PK, SK,
};

/// Scores of the partial matches (the design's bar for a pending pair is 0.75).
const SAME_NAME_NEAR_PHONE: f64 = 0.9;
const SAME_EMAIL_LOCAL_PART: f64 = 0.8;

/// A pair staff should look at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicatePair {
    pub id: String,
    /// The customer who was there first.
    pub existing_id: String,
    /// The customer just made.
    pub new_id: String,
    pub score: f64,
    pub reasons: Vec<String>,
    /// `pending` until reviewed.
    pub status: String,
    pub created_at: DateTime<Utc>,
}

/// Sort-key prefix of a customer's pointer to a pair they are in.
pub(crate) const DUP_POINTER: &str = "DUP#";

pub fn duplicates_pk(tenant: &str) -> String {
    format!("T#{tenant}#DUPS")
}

/// Customer ids whose search items start with `prefix`.
async fn ids_with_token_prefix(
    store: &dyn Store,
    tenant: &str,
    prefix: &str,
) -> Result<Vec<String>, StoreError> {
    let head: String = prefix.chars().take(2).collect();
    let page = store
        .query(
            &Query::new(Index::Primary, format!("T#{tenant}#Q#{head}"))
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

/// Finds the partial matches of a customer just made and records each as a pending pair.
pub async fn record_candidates(
    store: &dyn Store,
    tenant: &str,
    new: &Customer,
    now: DateTime<Utc>,
) -> Result<Vec<DuplicatePair>, StoreError> {
    let mut found: BTreeMap<String, (f64, Vec<String>)> = BTreeMap::new();
    let mut note = |id: String, score: f64, reason: &str| {
        let e = found.entry(id).or_insert((0.0, Vec::new()));
        e.0 = f64::max(e.0, score);
        if !e.1.iter().any(|r| r == reason) {
            e.1.push(reason.to_owned());
        }
    };
    for email in &new.emails {
        if let Some((local, domain)) = email.split_once('@') {
            if local.chars().count() >= 2 {
                for id in ids_with_token_prefix(store, tenant, &format!("{local}@")).await? {
                    let theirs = get(store, tenant, &id).await?;
                    let other_domain = theirs.is_some_and(|c| {
                        c.emails.iter().any(|e| {
                            e.starts_with(&format!("{local}@"))
                                && !e.ends_with(&format!("@{domain}"))
                        })
                    });
                    if id != new.id && other_domain {
                        note(id, SAME_EMAIL_LOCAL_PART, "same email local part");
                    }
                }
            }
        }
    }
    let name = new.name.trim().to_lowercase();
    for phone in &new.phones {
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        if digits.len() < 8 || name.is_empty() {
            continue;
        }
        let stem = &digits[..digits.len() - 2];
        for id in ids_with_token_prefix(store, tenant, stem).await? {
            if id == new.id {
                continue;
            }
            if let Some(c) = get(store, tenant, &id).await? {
                let near = c.phones.iter().any(|p| {
                    let d: String = p.chars().filter(char::is_ascii_digit).collect();
                    d.starts_with(stem) && d != digits
                });
                if near && c.name.trim().to_lowercase() == name {
                    note(
                        id,
                        SAME_NAME_NEAR_PHONE,
                        "same name, phone differs in the last digits",
                    );
                }
            }
        }
    }
    let mut pairs = Vec::new();
    for (existing_id, (score, reasons)) in found {
        let pair = DuplicatePair {
            id: crate::store::keys::sequential_id(now),
            existing_id,
            new_id: new.id.clone(),
            score,
            reasons,
            status: "pending".into(),
            created_at: now,
        };
        let mut item = to_item(&pair)?;
        item.insert(PK.into(), duplicates_pk(tenant).into());
        item.insert(SK.into(), pair.id.clone().into());
        // Each customer keeps a pointer to the pair, so deleting either removes it.
        let mut writes = vec![Write::put(item)];
        for side in [&pair.existing_id, &pair.new_id] {
            let mut pointer = Item::new();
            pointer.insert(PK.into(), customer_pk(tenant, side).into());
            pointer.insert(SK.into(), format!("{DUP_POINTER}{}", pair.id).into());
            writes.push(Write::put(pointer));
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
