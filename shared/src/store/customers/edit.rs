//! Staff's changes to customers: create, edit (version-guarded), manual tags, notes, delete
//! with everything of theirs, converting a lead, and pages of the timeline.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::*;
use crate::domain::hours::zone;
use crate::domain::tenant::TenantSettings;
use crate::ports::store::{
    from_item, to_item, Check, Cond, Cursor, Index, Item, Key, Query, SkCond, Store, StoreError,
    Write, PK, SK,
};
use crate::store::page;
use crate::store::retry::{self, optimistically, Attempt};
use crate::store::{keys, leads};

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
fn owner_writes(tenant: &str, before: &Customer, after: &Customer) -> Vec<Write> {
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
async fn taken(
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

fn timeline_entry_write(
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
/// timeline's `created` entry (a caller becomes a customer with `phone_call`).
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
    c.source = source;
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

async fn load_customer(
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
async fn commit(
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
        match commit(store, tenant, &before, &after, vec![entry]).await? {
            Attempt::Collided if expected_version.is_some() => {
                let current = load_customer(store, tenant, id).await?.version;
                Err(CustomerWriteError::StaleVersion { current })
            }
            done => Ok(done.map(|()| after)),
        }
    })
    .await
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

/// A note on a customer: a timeline entry of type `note`, editable and deletable.
fn note_item(tenant: &str, customer: &str, note: &Note) -> Result<Item, StoreError> {
    let entry = TimelineEntry {
        id: note.id.clone(),
        kind: "note".into(),
        at: note.created_at,
        text: note.body.clone(),
        data: serde_json::to_value(note).map_err(|e| StoreError::Invalid(e.to_string()))?,
    };
    let mut item = to_item(&entry)?;
    let key = keys::timeline_key(tenant, customer, &note.id);
    item.insert(PK.into(), key.pk.into());
    item.insert(SK.into(), key.sk.into());
    item.insert("search".into(), note.body.to_lowercase().into());
    Ok(item)
}

pub async fn add_note(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    body: &str,
    author: &str,
    now: DateTime<Utc>,
) -> Result<Note, CustomerWriteError> {
    load_customer(store, tenant, id).await?;
    let note = Note {
        id: keys::sequential_id(now),
        body: body.to_owned(),
        author: author.to_owned(),
        created_at: now,
        edited_at: None,
    };
    store
        .write(
            Write::put(note_item(tenant, id, &note)?)
                .with_check(Check::new("note_id", Cond::NotExists)),
        )
        .await?;
    Ok(note)
}

async fn load_note(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    note_id: &str,
) -> Result<Note, CustomerWriteError> {
    if note_id.is_empty() || note_id.contains('#') {
        return Err(CustomerWriteError::NoteNotFound);
    }
    let item = store
        .get(&keys::timeline_key(tenant, id, note_id))
        .await?
        .ok_or(CustomerWriteError::NoteNotFound)?;
    let entry: TimelineEntry = from_item(&item)?;
    if entry.kind != "note" {
        return Err(CustomerWriteError::NoteNotFound);
    }
    serde_json::from_value(entry.data).map_err(|e| StoreError::Corrupt(e.to_string()).into())
}

pub async fn edit_note(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    note_id: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Result<Note, CustomerWriteError> {
    load_customer(store, tenant, id).await?;
    let mut note = load_note(store, tenant, id, note_id).await?;
    note.body = body.to_owned();
    note.edited_at = Some(now);
    store
        .write(
            Write::put(note_item(tenant, id, &note)?)
                .with_check(Check::new("note_id", Cond::Exists)),
        )
        .await
        .map_err(|e| match e {
            StoreError::ConditionFailed(_) => CustomerWriteError::NoteNotFound,
            other => other.into(),
        })?;
    Ok(note)
}

pub async fn delete_note(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    note_id: &str,
) -> Result<(), CustomerWriteError> {
    load_customer(store, tenant, id).await?;
    load_note(store, tenant, id, note_id).await?;
    store
        .write(Write::Delete {
            key: keys::timeline_key(tenant, id, note_id),
            check: None,
        })
        .await?;
    Ok(())
}

/// Deletes a customer and every item that is theirs: bookings, timeline, notes, the owners
/// of their phones, emails and bookings, their search items, and what their pointers name
/// (messages). The customer item goes
/// last, so an interrupted delete can simply be run again.
pub async fn delete(
    store: &dyn Store,
    tenant: &str,
    id: &str,
) -> Result<usize, CustomerWriteError> {
    let customer = load_customer(store, tenant, id).await?;
    let mut doomed: Vec<Key> = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .query(
                &Query::new(Index::Primary, customer_pk(tenant, id))
                    .limit(100)
                    .after(cursor),
            )
            .await?;
        for item in &page.items {
            if let Some(k) = Key::of(item) {
                if let Some(b) = k.sk.strip_prefix(keys::BOOKING_PREFIX) {
                    doomed.push(booking_owner_key(tenant, b));
                }
                if let Some(pair) = k.sk.strip_prefix(keys::DUP_POINTER) {
                    doomed.push(Key::new(keys::duplicates_pk(tenant), pair));
                }
                doomed.extend(pointed(&k.sk));
                if k.sk != "C" {
                    doomed.push(k);
                }
            }
        }
        match page.next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    for phone in &customer.phones {
        doomed.push(phone_owner_key(tenant, phone));
    }
    for email in &customer.emails {
        doomed.push(email_owner_key(tenant, email));
    }
    for token in search_tokens(&customer) {
        doomed.push(keys::search_key(tenant, &token, id));
    }
    let n = doomed.len() + 1;
    for chunk in doomed.chunks(50) {
        let writes = chunk
            .iter()
            .map(|k| Write::Delete {
                key: k.clone(),
                check: None,
            })
            .collect();
        store.transact(writes).await?;
    }
    store
        .write(Write::Delete {
            key: customer_key(tenant, id),
            check: None,
        })
        .await?;
    Ok(n)
}

/// Makes (or finds, by phone or email) the customer a lead becomes, and links the lead.
pub async fn convert(
    store: &dyn Store,
    settings: &TenantSettings,
    lead_id: &str,
    now: DateTime<Utc>,
) -> Result<Option<(Customer, bool)>, CustomerWriteError> {
    let tenant = settings.tenant_id.as_str();
    let Some(lead) = leads::get(store, tenant, lead_id).await? else {
        return Ok(None);
    };
    let mut existing = match &lead.customer_id {
        Some(id) => get(store, tenant, id).await?,
        None => None,
    };
    if existing.is_none() {
        if let Some(id) = owner(store, &phone_owner_key(tenant, &lead.phone)).await? {
            existing = get(store, tenant, &id).await?;
        }
    }
    if existing.is_none() {
        if let Some(email) = &lead.email {
            if let Some(id) = owner(store, &email_owner_key(tenant, &email.to_lowercase())).await? {
                existing = get(store, tenant, &id).await?;
            }
        }
    }
    let (customer, created) = match existing {
        Some(c) => (c, false),
        None => {
            let profile = Profile {
                name: Some(lead.name.clone()),
                phones: Some(vec![lead.phone.clone()]),
                emails: Some(lead.email.iter().map(|e| e.to_lowercase()).collect()),
                marketing_consent: Some(lead.consent.is_some()),
                ..Profile::default()
            };
            let mut c = create(store, settings, &profile, &BTreeSet::new(), now).await?;
            // The first touch is the lead's.
            let before = c.clone();
            c.source = Some(lead.source);
            c.lead_ids.push(lead.id.clone());
            c.version += 1;
            if commit(store, tenant, &before, &c, Vec::new()).await? == Attempt::Collided {
                return Err(StoreError::Conflict.into());
            }
            (c, true)
        }
    };
    let customer = if customer.lead_ids.contains(&lead.id) {
        customer
    } else {
        let (id, lead) = (customer.id.as_str(), &lead);
        optimistically(|| async move {
            let before = load_customer(store, tenant, id).await?;
            if before.lead_ids.contains(&lead.id) {
                return Ok::<_, CustomerWriteError>(Attempt::Done(before));
            }
            let mut after = before.clone();
            after.lead_ids.push(lead.id.clone());
            if after.source.is_none() {
                after.source = Some(lead.source);
            }
            after.version = before.version + 1;
            after.updated_at = now;
            Ok(commit(store, tenant, &before, &after, Vec::new())
                .await?
                .map(|()| after))
        })
        .await?
    };
    if lead.customer_id.as_deref() != Some(customer.id.as_str()) {
        link_lead(store, tenant, &lead.id, &customer.id, now).await?;
    }
    Ok(Some((customer, created)))
}

async fn link_lead(
    store: &dyn Store,
    tenant: &str,
    lead_id: &str,
    customer_id: &str,
    now: DateTime<Utc>,
) -> Result<(), CustomerWriteError> {
    leads::link_customer(store, tenant, lead_id, customer_id, None, now)
        .await
        .map_err(|e| match e {
            leads::LeadWriteError::Store(s) => CustomerWriteError::Store(s),
            leads::LeadWriteError::NotFound => CustomerWriteError::NotFound,
            other => CustomerWriteError::Store(StoreError::Backend(other.to_string())),
        })
        .map(|_| ())
}

/// A page of a customer's timeline, newest first, of the given types (all when empty) and
/// containing `q` (case-insensitive) if given.
pub async fn timeline_page(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    types: &[String],
    q: Option<&str>,
    limit: u32,
    cursor: Option<Cursor>,
) -> Result<(Vec<TimelineEntry>, Option<Cursor>), StoreError> {
    let mut conds = Vec::new();
    if !types.is_empty() {
        conds.push(Cond::Or(
            types
                .iter()
                .map(|t| Cond::Eq("type".into(), t.clone().into()))
                .collect(),
        ));
    }
    if let Some(q) = q {
        conds.push(Cond::Contains("search".into(), q.to_lowercase().into()));
    }
    let filter = match conds.len() {
        0 => None,
        1 => conds.pop(),
        _ => Some(Cond::And(conds)),
    };
    let query = Query::new(Index::Primary, customer_pk(tenant, id))
        .sk(SkCond::BeginsWith(keys::TIMELINE_PREFIX.into()))
        .descending()
        .filter(filter);
    page::fill(store, query, limit, cursor).await
}

/// The writes of a whole customer made elsewhere (an import, a benchmark's population): the
/// record with its sort positions, the owners of its phones and emails (refused when taken),
/// its search items, its due work (filed by the tenant's zone `tz`) and its bookings.
pub fn import_writes(
    tenant: &str,
    c: &Customer,
    bookings: &[crate::domain::booking::BookingState],
    tz: chrono_tz::Tz,
) -> Result<Vec<Write>, StoreError> {
    let empty = Customer {
        phones: Vec::new(),
        emails: Vec::new(),
        ..c.clone()
    };
    let mut writes = vec![Write::put(customer_item(tenant, c)?)
        .with_check(Check::new("customer_version", Cond::NotExists))];
    writes.extend(owner_writes(tenant, &empty, c));
    writes.extend(token_writes(
        tenant,
        &c.id,
        &BTreeSet::new(),
        &search_tokens(c),
    ));
    writes.extend(due_writes(tenant, None, c, tz));
    for b in bookings {
        let key = booking_key(tenant, &c.id, &b.booking_id);
        let mut item = to_item(b)?;
        item.insert(PK.into(), key.pk.into());
        item.insert(SK.into(), key.sk.into());
        item.insert("customer_id".into(), c.id.clone().into());
        writes.push(Write::put(item));
        let owner = booking_owner_key(tenant, &b.booking_id);
        writes.push(Write::put(owner_item(&owner, &c.id)));
    }
    Ok(writes)
}

/// Writes a whole customer made elsewhere in one transaction (see [`import_writes`]).
pub async fn import(
    store: &dyn Store,
    tenant: &str,
    c: &Customer,
    bookings: &[crate::domain::booking::BookingState],
    tz: chrono_tz::Tz,
) -> Result<(), CustomerWriteError> {
    match store
        .transact(import_writes(tenant, c, bookings, tz)?)
        .await
    {
        Ok(()) => Ok(()),
        Err(StoreError::ConditionFailed("customer_phone" | "customer_email")) => {
            Err(taken(store, tenant, c)
                .await?
                .unwrap_or(CustomerWriteError::Store(StoreError::Conflict)))
        }
        Err(e) => Err(e.into()),
    }
}
