//! Events from the table's own changes (issue 17: the outbox). A lead and a status event are
//! each written by the same conditional write or transaction as the state they report, and
//! their events are read back from that write's change record: DynamoDB Streams in the cloud
//! (the `publish_events` function), the SQLite store's change log on one machine (the same
//! derivation, drained by crm-local). A crash between the write and the publish delays an
//! event and never loses it; a change published twice gives the same event id, and the
//! consumers are idempotent by it.
//!
//! | change | event |
//! |---|---|
//! | a lead item inserted | `lead.captured` |
//! | a status event inserted, type `status` | `lead.status_changed` |
//! | a status event inserted, type `stale` | `lead.stale` |
//! | a customer timeline entry inserted, type `segment` / `stage` | `customer.segment_changed` / `customer.stage_changed` |
//! | a customer timeline entry inserted, type `milestone` | `milestone.reached` |
//!
//! Each of those items is written in the same write or transaction as the change it reports
//! (the lead, its status, the customer's classification, its milestones).
//!
//! The stream's filter in the template (`PublishEventsFunction`) lets through a superset of
//! [`wanted`]; [`events_of`] decides.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::domain::events::Event;
use crate::domain::lead::StatusEvent;
use crate::domain::timeline::TimelineEntry;
use crate::ports::store::{from_item, Item, Key, StoreError};
use crate::store::keys;
use crate::store::leads::codec::lead_from_item;

/// One change of one item: its images before and after (`None`: it did not exist).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub key: Key,
    pub old: Option<Item>,
    pub new: Option<Item>,
}

/// Timeline entry types that report an event.
const REPORTED_ENTRIES: [&str; 3] = ["segment", "stage", "milestone"];

/// Whether a change can report an event: an insert of a lead, of a lead's status event, or
/// of a customer timeline entry of a reported type. The local store keeps only these in its
/// change log.
pub fn wanted(key: &Key, old: Option<&Item>, new: Option<&Item>) -> bool {
    let (None, Some(new)) = (old, new) else {
        return false;
    };
    keys::tenant_of_leads_pk(&key.pk).is_some()
        || (key.sk.starts_with(keys::STATUS_EVENT_PREFIX)
            && keys::lead_of_children_pk(&key.pk).is_some())
        || (key.sk.starts_with(keys::TIMELINE_PREFIX)
            && keys::customer_of_pk(&key.pk).is_some()
            && new
                .get("type")
                .and_then(Value::as_str)
                .is_some_and(|t| REPORTED_ENTRIES.contains(&t)))
}

/// The events a change reports (none for most changes).
pub fn events_of(change: &Change) -> Result<Vec<Event>, StoreError> {
    let (key, Some(new)) = (&change.key, &change.new) else {
        return Ok(Vec::new());
    };
    if !wanted(key, change.old.as_ref(), Some(new)) {
        return Ok(Vec::new());
    }
    if keys::tenant_of_leads_pk(&key.pk).is_some() {
        return Ok(vec![Event::lead_captured(&lead_from_item(new)?)]);
    }
    let kind = new.get("type").and_then(Value::as_str).unwrap_or_default();
    if let Some((tenant, _)) = keys::lead_of_children_pk(&key.pk) {
        let event: StatusEvent = from_item(new)?;
        return Ok(match kind {
            "status" => vec![Event::lead_status_changed(tenant, &event)],
            "stale" => {
                let created = new
                    .get("lead_created_at")
                    .cloned()
                    .map(serde_json::from_value::<DateTime<Utc>>)
                    .transpose()
                    .map_err(|e| StoreError::Corrupt(format!("stale event: {e}")))?
                    // Stale events written before they carried it: the lead's id is a ULID
                    // made at its creation.
                    .or_else(|| {
                        ulid::Ulid::from_string(&event.lead_id)
                            .ok()
                            .map(|u| DateTime::<Utc>::from(u.datetime()))
                    })
                    .unwrap_or(event.at);
                vec![Event::lead_stale(tenant, &event, created)]
            }
            _ => Vec::new(),
        });
    }
    let Some((tenant, customer)) = keys::customer_of_pk(&key.pk) else {
        return Ok(Vec::new());
    };
    let entry: TimelineEntry = from_item(new)?;
    Ok(match kind {
        "segment" => vec![Event::segment_changed(
            tenant,
            customer,
            &entry.id,
            data(&entry, "from")?,
            data(&entry, "to")?,
            entry.at,
        )],
        "stage" => vec![Event::stage_changed(
            tenant,
            customer,
            &entry.id,
            data(&entry, "from")?,
            data(&entry, "to")?,
            entry.at,
        )],
        "milestone" => vec![Event::milestone_reached(
            tenant,
            customer,
            data(&entry, "milestone")?,
        )],
        _ => Vec::new(),
    })
}

/// Field `name` of a timeline entry's data.
fn data<T: serde::de::DeserializeOwned>(
    entry: &TimelineEntry,
    name: &str,
) -> Result<T, StoreError> {
    let value = entry.data.get(name).cloned().unwrap_or(Value::Null);
    serde_json::from_value(value)
        .map_err(|e| StoreError::Corrupt(format!("timeline entry {}: {name}: {e}", entry.id)))
}

/// An image in DynamoDB's JSON (`{"S": "x"}`, `{"N": "1"}`, …), as a stream record carries
/// it, read as the plain item the store ports use.
pub fn item_of_image(image: &Map<String, Value>) -> Result<Item, StoreError> {
    image
        .iter()
        .map(|(name, value)| Ok((name.clone(), plain(value)?)))
        .collect()
}

fn plain(value: &Value) -> Result<Value, StoreError> {
    let bad = || StoreError::Corrupt(format!("not a DynamoDB attribute value: {value}"));
    let Some((kind, inner)) = value
        .as_object()
        .filter(|o| o.len() == 1)
        .and_then(|o| o.iter().next())
    else {
        return Err(bad());
    };
    let number = |n: &Value| -> Result<Value, StoreError> {
        let text = n.as_str().ok_or_else(bad)?;
        if let Ok(i) = text.parse::<i64>() {
            return Ok(i.into());
        }
        text.parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(bad)
    };
    Ok(match (kind.as_str(), inner) {
        ("S", Value::String(s)) => Value::String(s.clone()),
        ("N", n) => number(n)?,
        ("BOOL", Value::Bool(b)) => Value::Bool(*b),
        ("NULL", _) => Value::Null,
        ("M", Value::Object(m)) => Value::Object(item_of_image(m)?),
        ("L", Value::Array(l)) => Value::Array(l.iter().map(plain).collect::<Result<_, _>>()?),
        ("SS", Value::Array(l)) => Value::Array(l.clone()),
        ("NS", Value::Array(l)) => Value::Array(l.iter().map(number).collect::<Result<_, _>>()?),
        _ => return Err(bad()),
    })
}
