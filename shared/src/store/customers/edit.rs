//! Staff's changes to customers: create, edit (version-guarded, phones and emails claimed),
//! manual tags, the review-request date; and the commit every such change goes through.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::*;
use crate::domain::hours::zone;
use crate::domain::tenant::TenantSettings;
use crate::ports::store::{Check, Cond, Key, Store, StoreError, Write};
use crate::store::keys;
use crate::store::retry::{self, optimistically, Attempt};

#[derive(Debug, thiserror::Error)]
pub enum CustomerWriteError {
    #[error("customer not found")]
    NotFound,
    #[error("note not found")]
    NoteNotFound,
    #[error("the customer changed since it was read (now version {current})")]
    StaleVersion { current: u64 },
    #[error("the {field} {value} already belongs to customer {existing_id}")]
    Taken {
        field: &'static str,
        value: String,
        existing_id: String,
    },
    #[error("{asked} points asked, {available} available")]
    InsufficientPoints { available: i64, asked: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Old and new values of one kind of contact, the key of its owner item, and the name of the
/// check that guards a new one.
type OwnerChange<'a> = (
    &'a [String],
    &'a [String],
    fn(&str, &str) -> Key,
    &'static str,
);

/// The owner items a change of phones and emails adds (conditional) and removes.
pub(super) fn owner_writes(tenant: &str, before: &Customer, after: &Customer) -> Vec<Write> {
    let mut writes = Vec::new();
    let pairs: [OwnerChange<'_>; 2] = [
        (
            &before.phones,
            &after.phones,
            phone_owner_key,
            "customer_phone",
        ),
        (
            &before.emails,
            &after.emails,
            email_owner_key,
            "customer_email",
        ),
    ];
    for (old, new, key_of, check) in pairs {
        for gone in old.iter().filter(|v| !new.contains(v)) {
            writes.push(Write::Delete {
                key: key_of(tenant, gone),
                check: Some(Check::new(
                    "owner",
                    Cond::Eq("customer_id".into(), after.id.clone().into()),
                )),
            });
        }
        for added in new.iter().filter(|v| !old.contains(v)) {
            let key = key_of(tenant, added);
            writes.push(
                Write::put(owner_item(&key, &after.id))
                    .with_check(Check::new(check, Cond::NotExists)),
            );
        }
    }
    writes
}

/// Which phone or email of `c` is taken by someone else, and by whom.
pub(super) async fn taken(
    store: &dyn Store,
    tenant: &str,
    c: &Customer,
) -> Result<Option<CustomerWriteError>, StoreError> {
    for phone in &c.phones {
        if let Some(owner_id) = owner(store, &phone_owner_key(tenant, phone)).await? {
            if owner_id != c.id {
                return Ok(Some(CustomerWriteError::Taken {
                    field: "phone",
                    value: phone.clone(),
                    existing_id: owner_id,
                }));
            }
        }
    }
    for email in &c.emails {
        if let Some(owner_id) = owner(store, &email_owner_key(tenant, email)).await? {
            if owner_id != c.id {
                return Ok(Some(CustomerWriteError::Taken {
                    field: "email",
                    value: email.clone(),
                    existing_id: owner_id,
                }));
            }
        }
    }
    Ok(None)
}

pub(super) fn timeline_entry_write(
    tenant: &str,
    id: &str,
    kind: &str,
    text: String,
    data: Value,
    now: DateTime<Utc>,
) -> Result<Write, StoreError> {
    Ok(timeline_write(tenant, id, kind, text, data, now)?.0)
}

/// Creates a customer by hand. A phone or email that already belongs to a customer is a
/// conflict naming that customer.
pub async fn create(
    store: &dyn Store,
    settings: &TenantSettings,
    profile: &Profile,
    tags: &BTreeSet<String>,
    now: DateTime<Utc>,
) -> Result<Customer, CustomerWriteError> {
    create_from(
        store,
        settings,
        profile,
        tags,
        None,
        "Customer created by hand",
        now,
    )
    .await
}

/// Creates a customer as [`create`] does, with a first-touch `source` and the text of the
/// timeline's `created` entry (a caller becomes a customer with `phone_call`). Without one,
/// the source is the profile's, else `manual` (made by hand).
pub async fn create_from(
    store: &dyn Store,
    settings: &TenantSettings,
    profile: &Profile,
    tags: &BTreeSet<String>,
    source: Option<crate::domain::source::Source>,
    created_text: &str,
    now: DateTime<Utc>,
) -> Result<Customer, CustomerWriteError> {
    let tenant = settings.tenant_id.as_str();
    let tz = zone(&settings.time_zone);
    let mut c = Customer::new(
        keys::sequential_id(now),
        tenant,
        &Contact::default(),
        None,
        now,
    );
    profile.apply(&mut c);
    c.tags = tags.clone();
    c.source = source
        .or(c.source)
        .or(Some(crate::domain::source::Source::Manual));
    reclassify(&mut c, &settings.thresholds, now);
    c.next_milestone = milestone_due(&c, tz, now);
    c.version = 1;
    if let Some(e) = taken(store, tenant, &c).await? {
        return Err(e);
    }
    let empty = Customer {
        phones: Vec::new(),
        emails: Vec::new(),
        ..c.clone()
    };
    let mut writes = vec![Write::put(customer_item(tenant, &c)?)
        .with_check(Check::new("customer_version", Cond::NotExists))];
    writes.extend(owner_writes(tenant, &empty, &c));
    writes.extend(token_writes(
        tenant,
        &c.id,
        &BTreeSet::new(),
        &search_tokens(&c),
    ));
    writes.extend(due_writes(tenant, None, &c, tz));
    writes.push(timeline_entry_write(
        tenant,
        &c.id,
        "created",
        created_text.into(),
        Value::Null,
        now,
    )?);
    match store.transact(writes).await {
        Ok(()) => {
            check_new(store, tenant, &c, now).await;
            Ok(c)
        }
        Err(StoreError::ConditionFailed("customer_phone" | "customer_email")) => {
            // Taken between the check and the write: name the winner.
            Err(taken(store, tenant, &c)
                .await?
                .unwrap_or(CustomerWriteError::Store(StoreError::Conflict)))
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn load_customer(
    store: &dyn Store,
    tenant: &str,
    id: &str,
) -> Result<Customer, CustomerWriteError> {
    get(store, tenant, id)
        .await?
        .ok_or(CustomerWriteError::NotFound)
}

/// Commits `after` over `before` (version-guarded) with `extra` writes; `Ok(false)`: it
/// collided with another change and should be retried on a fresh read.
pub(super) async fn commit(
    store: &dyn Store,
    tenant: &str,
    before: &Customer,
    after: &Customer,
    extra: Vec<Write>,
) -> Result<Attempt<()>, CustomerWriteError> {
    let mut writes = vec![
        Write::put(customer_item(tenant, after)?).with_check(Check::new(
            "customer_version",
            Cond::Eq("version".into(), before.version.into()),
        )),
    ];
    writes.extend(owner_writes(tenant, before, after));
    writes.extend(token_writes(
        tenant,
        &after.id,
        &search_tokens(before),
        &search_tokens(after),
    ));
    writes.extend(extra);
    match retry::commit(store, writes, &["customer_version"]).await {
        Err(StoreError::ConditionFailed("customer_phone" | "customer_email")) => {
            Err(taken(store, tenant, after)
                .await?
                .unwrap_or(CustomerWriteError::Store(StoreError::Conflict)))
        }
        other => Ok(other?),
    }
}

/// Edits the profile. With `expected_version`, a customer changed since is refused.
pub async fn update(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    profile: &Profile,
    expected_version: Option<u64>,
    now: DateTime<Utc>,
) -> Result<Customer, CustomerWriteError> {
    optimistically(|| async move {
        let before = load_customer(store, tenant, id).await?;
        if expected_version.is_some_and(|v| v != before.version) {
            return Err(CustomerWriteError::StaleVersion {
                current: before.version,
            });
        }
        let mut after = before.clone();
        profile.apply(&mut after);
        if let Some(e) = taken(store, tenant, &after).await? {
            return Err(e);
        }
        after.version = before.version + 1;
        after.updated_at = now;
        let entry = timeline_entry_write(
            tenant,
            id,
            "profile",
            "Profile edited".into(),
            Value::Null,
            now,
        )?;
        commit_expected(store, tenant, &before, after, vec![entry], expected_version).await
    })
    .await
}

/// [`commit`] for a change decided on `expected_version` (an `If-Match`): a collision is then
/// `StaleVersion` naming the version now stored, not a retry on it.
pub(super) async fn commit_expected(
    store: &dyn Store,
    tenant: &str,
    before: &Customer,
    after: Customer,
    extra: Vec<Write>,
    expected_version: Option<u64>,
) -> Result<Attempt<Customer>, CustomerWriteError> {
    match commit(store, tenant, before, &after, extra).await? {
        Attempt::Collided if expected_version.is_some() => {
            let current = load_customer(store, tenant, &before.id).await?.version;
            Err(CustomerWriteError::StaleVersion { current })
        }
        done => Ok(done.map(|()| after)),
    }
}

/// Adds (`add`) or removes a manual tag; classification never touches these.
pub async fn set_tag(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    tag: &str,
    add: bool,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Customer, CustomerWriteError> {
    optimistically(|| async move {
        let before = load_customer(store, tenant, id).await?;
        let mut after = before.clone();
        let changed = if add {
            after.tags.insert(tag.to_owned())
        } else {
            after.tags.remove(tag)
        };
        if !changed {
            return Ok(Attempt::Done(before));
        }
        after.version = before.version + 1;
        after.updated_at = now;
        let (verb, kind) = if add {
            ("added", "tag_added")
        } else {
            ("removed", "tag_removed")
        };
        let entry = timeline_entry_write(
            tenant,
            id,
            "tag",
            format!("Tag {tag} {verb}"),
            serde_json::json!({"tag": tag, "change": kind, "actor": actor}),
            now,
        )?;
        Ok(commit(store, tenant, &before, &after, vec![entry])
            .await?
            .map(|()| after))
    })
    .await
}

/// Records that a review request went out at `at` (the 90-day rule reads it).
pub async fn mark_review_requested(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    at: DateTime<Utc>,
) -> Result<Customer, CustomerWriteError> {
    optimistically(|| async move {
        let before = load_customer(store, tenant, id).await?;
        if before.review_requested_at.is_some_and(|t| t >= at) {
            return Ok(Attempt::Done(before));
        }
        let mut after = before.clone();
        after.review_requested_at = Some(at);
        after.version = before.version + 1;
        after.updated_at = at;
        Ok(commit(store, tenant, &before, &after, Vec::new())
            .await?
            .map(|()| after))
    })
    .await
}
