//! Customers' access patterns (DESIGN §2.2, §4): their keys, the claims on their phones,
//! emails and bookings, and reads of one customer. The rooms: [`ingest`] (booking facts make
//! and move customers), [`index`] (sort orders and search), [`edit`] (staff's changes),
//! [`due`] and [`daily`] (the daily jobs' work), [`duplicates`] (pending pairs). The record and
//! its rules are `domain::customer`.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::Value;

use crate::domain::booking::BookingState;
use crate::domain::booking::Contact;
use crate::domain::customer::{milestone_due, reclassify, Customer, Note, Profile, Reclassified};
use crate::domain::lead::{Lead, StatusEvent};
use crate::domain::timeline::{self, Entry, TimelineEntry};
use crate::ports::store::{
    from_item, to_item, Check, Cond, Item, Key, Query, SkCond, Store, StoreError, Write, PK, SK,
};
use crate::store::keys::{
    self, booking_key, booking_owner_key, customer_key, customer_pk, email_owner_key,
    phone_owner_key, pointed,
};

mod convert;
mod daily;
mod due;
mod duplicates;
mod edit;
mod erase;
mod import;
mod index;
mod ingest;
mod merge;
mod notes;
mod points;
mod timeline_pages;

pub use convert::*;
pub use daily::*;
pub use due::*;
pub use duplicates::*;
pub use edit::*;
pub use erase::*;
pub use import::*;
pub use index::*;
pub use ingest::*;
pub use merge::*;
pub use notes::*;
pub use points::*;
pub use timeline_pages::*;

pub(crate) fn owner_item(key: &Key, customer_id: &str) -> Item {
    let mut item = Item::new();
    item.insert(PK.into(), key.pk.clone().into());
    item.insert(SK.into(), key.sk.clone().into());
    item.insert("customer_id".into(), customer_id.into());
    item
}

/// The pointer that makes `owned` the customer's (written with it).
pub(crate) fn owned_pointer(tenant: &str, customer: &str, owned: &Key) -> Write {
    Write::put(keys::owned_pointer_key(tenant, customer, owned).item())
}

/// The writes that store `after` over `before` (none: a customer made now, not yet stored):
/// the customer, guarded by the version read (`customer_version`), the due work whose
/// instants moved, the search items that changed, and its timeline entries.
pub(crate) fn customer_writes(
    tenant: &str,
    before: Option<&Customer>,
    after: &Customer,
    tz: Tz,
    entries: Vec<Entry>,
    now: DateTime<Utc>,
) -> Result<Vec<Write>, StoreError> {
    let mut writes = vec![
        Write::put(customer_item(tenant, after)?).with_check(Check::new(
            "customer_version",
            match before {
                None => Cond::NotExists,
                Some(b) => Cond::Eq("version".into(), b.version.into()),
            },
        )),
    ];
    writes.extend(due_writes(tenant, before, after, tz));
    let before_tokens = before.map(search_tokens).unwrap_or_default();
    writes.extend(token_writes(
        tenant,
        &after.id,
        &before_tokens,
        &search_tokens(after),
    ));
    for (kind, text, data) in entries {
        writes.push(timeline_write(tenant, &after.id, kind, text, data, now)?.0);
    }
    Ok(writes)
}

/// The customer who owns a phone number (E.164), if any.
pub async fn id_by_phone(
    store: &dyn Store,
    tenant: &str,
    e164: &str,
) -> Result<Option<String>, StoreError> {
    owner(store, &phone_owner_key(tenant, e164)).await
}

/// Puts a text the customer sent on their timeline.
pub async fn note_inbound_text(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (write, _) = timeline_write(
        tenant,
        id,
        "message",
        format!("Text received: {body}"),
        serde_json::json!({"direction": "inbound", "body": body}),
        now,
    )?;
    store.write(write).await
}

pub(crate) async fn owner(store: &dyn Store, key: &Key) -> Result<Option<String>, StoreError> {
    Ok(store.get(key).await?.and_then(|i| {
        i.get("customer_id")
            .and_then(Value::as_str)
            .map(str::to_owned)
    }))
}

pub async fn get(
    store: &dyn Store,
    tenant: &str,
    id: &str,
) -> Result<Option<Customer>, StoreError> {
    if id.is_empty() || id.contains('#') {
        return Ok(None);
    }
    store
        .get(&customer_key(tenant, id))
        .await?
        .map(|i| customer_of(&i))
        .transpose()
}

/// A customer from its stored item. Customers stored before points could be redeemed have
/// no `points_available`: it is what they earned, less what they redeemed (none).
pub fn customer_of(item: &Item) -> Result<Customer, StoreError> {
    let mut c: Customer = from_item(item)?;
    if !item.contains_key("points_available") {
        c.points_available = (c.points - c.points_redeemed).max(0);
    }
    Ok(c)
}

/// The customer's bookings, newest start first.
pub async fn bookings(
    store: &dyn Store,
    tenant: &str,
    id: &str,
) -> Result<Vec<BookingState>, StoreError> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .query(
                &Query::new(crate::ports::store::Index::Primary, customer_pk(tenant, id))
                    .sk(SkCond::BeginsWith(keys::BOOKING_PREFIX.into()))
                    .limit(100)
                    .after(cursor),
            )
            .await?;
        for item in &page.items {
            out.push(from_item::<BookingState>(item)?);
        }
        match page.next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    out.sort_by_key(|b| std::cmp::Reverse(b.start));
    Ok(out)
}

pub(crate) fn timeline_write(
    tenant: &str,
    customer: &str,
    kind: &str,
    text: String,
    data: Value,
    now: DateTime<Utc>,
) -> Result<(Write, TimelineEntry), StoreError> {
    let entry = TimelineEntry {
        id: keys::sequential_id(now),
        kind: kind.to_owned(),
        at: now,
        text,
        data,
    };
    let mut item = to_item(&entry)?;
    let key = keys::timeline_key(tenant, customer, &entry.id);
    item.insert(PK.into(), key.pk.into());
    item.insert(SK.into(), key.sk.into());
    item.insert("search".into(), entry.text.to_lowercase().into());
    Ok((Write::put(item), entry))
}

/// A timeline entry kept under a fixed id (re-writing it is a no-op): the lead history a
/// customer inherits, whose ids are the lead's and its status events' own ULIDs, so they
/// sort by when they happened.
fn entry_write(tenant: &str, customer: &str, entry: &TimelineEntry) -> Result<Write, StoreError> {
    let mut item = to_item(entry)?;
    let key = keys::timeline_key(tenant, customer, &entry.id);
    item.insert(PK.into(), key.pk.into());
    item.insert(SK.into(), key.sk.into());
    item.insert("search".into(), entry.text.to_lowercase().into());
    Ok(Write::put(item))
}

/// The timeline entry of a lead status change.
pub(crate) fn status_entry_write(
    tenant: &str,
    customer: &str,
    event: &StatusEvent,
) -> Result<Write, StoreError> {
    entry_write(tenant, customer, &timeline::status_entry(event))
}

/// The lead's capture and its status changes, for the timeline of the customer it became.
pub(crate) fn lead_history_writes(
    tenant: &str,
    customer: &str,
    lead: &Lead,
    events: &[StatusEvent],
) -> Result<Vec<Write>, StoreError> {
    let mut writes = vec![entry_write(tenant, customer, &timeline::lead_entry(lead))?];
    // A transaction holds at most 100 items: the newest status changes fit.
    for event in events.iter().rev().take(80) {
        writes.push(status_entry_write(tenant, customer, event)?);
    }
    Ok(writes)
}
