//! Notes staff write on a customer (timeline entries of type `note`): add, edit, delete.

use chrono::{DateTime, Utc};

use super::edit::load_customer;
use super::*;
use crate::ports::store::{
    from_item, to_item, Check, Cond, Item, Store, StoreError, Write, PK, SK,
};
use crate::store::keys;

/// A note on a customer: a timeline entry of type `note`, editable and deletable.
pub(super) fn note_item(tenant: &str, customer: &str, note: &Note) -> Result<Item, StoreError> {
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
