//! The stored form of a lead: the record, its keys and index attributes, compacted.

use super::*;

/// When an open lead goes stale: its bucket in the stale-due index.
#[derive(Debug, Clone, PartialEq)]
pub enum StaleDue {
    /// A new lead: due `hours` after it was created.
    After(u32),
    /// An existing lead: keep the bucket it has (if any) while it stays open.
    Keep(Option<String>),
}

/// The stored form of a lead: the record plus its keys and index attributes. Attributes the
/// keys already hold (`id`, `tenant_id`) are not stored again, and neither are zero initial
/// values: a lead item is billed per started KiB on every write, so every byte counts.
pub fn lead_item(lead: &Lead, stale: StaleDue, initial_value: i64) -> Result<Item, StoreError> {
    let mut item = to_item(lead)?;
    compact(&mut item);
    let key = keys::lead(&lead.tenant_id, &lead.id);
    item.insert(PK.into(), key.pk.into());
    item.insert(SK.into(), key.sk.into());
    item.insert(
        "GSI1PK".into(),
        keys::board_pk(&lead.tenant_id, lead.status).into(),
    );
    item.insert("GSI1SK".into(), lead.id.clone().into());
    if lead.status.is_open() && !lead.stale {
        let bucket = match stale {
            StaleDue::After(hours) => Some(keys::stale_bucket(
                lead.created_at + chrono::Duration::hours(i64::from(hours)),
            )),
            StaleDue::Keep(bucket) => bucket,
        };
        if let Some(bucket) = bucket {
            item.insert("GSI2PK".into(), bucket.into());
            item.insert(
                "GSI2SK".into(),
                keys::stale_member(&lead.tenant_id, &lead.id).into(),
            );
        }
    }
    contact_task_attrs(&mut item, lead);
    item.insert("search".into(), search_text(lead).into());
    if initial_value != 0 {
        item.insert("initial_value".into(), initial_value.into());
    }
    Ok(item)
}

/// The lead's contact task: when it is due and who did it (epoch milliseconds, the shortest
/// stored form), and while it is open its entries in the open-task index (and its
/// assignee's, if it has one).
fn contact_task_attrs(item: &mut Item, lead: &Lead) {
    let Some(due) = lead.contact.due_at else {
        return;
    };
    match &lead.contact.done {
        Some((by, at)) => {
            item.insert(TASK_DUE.into(), due.timestamp_millis().into());
            item.insert(TASK_DONE_BY.into(), by.clone().into());
            item.insert(TASK_DONE_AT.into(), at.timestamp_millis().into());
        }
        // While open, the index entries hold the due instant (a lead item is billed per
        // started KiB: an ad lead with its task stays within one).
        None => {
            let sk = keys::open_task_due_key(due);
            let mut index = |index: Index, pk: String| {
                if let Index::Gsi(n) = index {
                    item.insert(table::gsi_pk(n), pk.into());
                    item.insert(table::gsi_sk(n), sk.clone().into());
                }
            };
            index(keys::OPEN_TASKS_INDEX, keys::open_tasks_pk(&lead.tenant_id));
            if let Some(a) = &lead.assignee {
                index(
                    keys::ASSIGNEE_TASKS_INDEX,
                    keys::assignee_tasks_pk(&lead.tenant_id, a),
                );
            }
        }
    }
}

/// Attributes of the contact task on a lead item once it is done (while open, its due
/// instant is in its open-task index entry).
pub const TASK_DUE: &str = "task_due";
pub const TASK_DONE_BY: &str = "task_done_by";
pub const TASK_DONE_AT: &str = "task_done_at";

fn contact_task_of(item: &Item) -> ContactTask {
    let instant = |attr: &str| {
        item.get(attr)
            .and_then(Value::as_i64)
            .and_then(DateTime::<Utc>::from_timestamp_millis)
    };
    let open_due = || {
        let Index::Gsi(n) = keys::OPEN_TASKS_INDEX else {
            return None;
        };
        item.get(&table::gsi_sk(n))
            .and_then(Value::as_str)
            .and_then(|ms| ms.parse::<i64>().ok())
            .and_then(DateTime::<Utc>::from_timestamp_millis)
    };
    ContactTask {
        due_at: instant(TASK_DUE).or_else(open_due),
        done: item
            .get(TASK_DONE_BY)
            .and_then(Value::as_str)
            .zip(instant(TASK_DONE_AT))
            .map(|(by, at)| (by.to_owned(), at)),
    }
}

/// Leaves out of a stored lead what its keys hold (`id`, `tenant_id`) and what is the default
/// (no expected value, not stale, never updated, consent given at capture); `restore` puts
/// them back. A lead item is billed per started KiB on every write: with a campaign's touch
/// data this keeps a typical ad lead within one.
fn compact(item: &mut Item) {
    item.remove("id");
    item.remove("tenant_id");
    if item.get("expected_value").and_then(Value::as_i64) == Some(0) {
        item.remove("expected_value");
    }
    if item.get("stale") == Some(&Value::Bool(false)) {
        item.remove("stale");
    }
    let created = item.get("created_at").cloned();
    if created.is_some() && item.get("updated_at") == created.as_ref() {
        item.remove("updated_at");
    }
    if let Some(Value::Object(consent)) = item.get_mut("consent") {
        if created.is_some() && consent.get("at") == created.as_ref() {
            consent.remove("at");
        }
    }
}

fn restore(item: &mut Item) {
    let created = item.get("created_at").cloned().unwrap_or(Value::Null);
    item.entry("expected_value").or_insert(Value::from(0));
    item.entry("stale").or_insert(Value::Bool(false));
    item.entry("updated_at").or_insert_with(|| created.clone());
    if let Some(Value::Object(consent)) = item.get_mut("consent") {
        consent.entry("at").or_insert(created);
    }
}

/// A lead read back from its item (restoring what `compact` left out).
pub fn lead_from_item(item: &Item) -> Result<Lead, StoreError> {
    let mut full = item.clone();
    restore(&mut full);
    let key = Key::of(item).ok_or_else(|| StoreError::Corrupt("lead item without keys".into()))?;
    let tenant = keys::tenant_of_leads_pk(&key.pk)
        .ok_or_else(|| StoreError::Corrupt(format!("not a lead key: {}", key.pk)))?;
    full.insert("tenant_id".into(), tenant.into());
    full.insert("id".into(), key.sk.clone().into());
    // The restored copy is ours: deserialize it as it is (`from_item` would copy it again).
    let mut lead: Lead = serde_json::from_value(Value::Object(full))
        .map_err(|e| StoreError::Corrupt(format!("{}/{}: {e}", key.pk, key.sk)))?;
    lead.contact = contact_task_of(item);
    Ok(lead)
}

/// Lowercased name and the phone's digits (international and as typed): what `q` matches
/// besides the email.
fn search_text(lead: &Lead) -> String {
    let digits: String = lead.phone.chars().filter(char::is_ascii_digit).collect();
    let raw_digits: String = lead
        .phone_raw
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    if raw_digits == digits {
        format!("{} {digits}", lead.name.to_lowercase())
    } else {
        format!("{} {digits} {raw_digits}", lead.name.to_lowercase())
    }
}

/// The stored form of `next`, a new version of the lead stored as `stored`: its stale-due
/// bucket and opening value kept as they were.
pub(super) fn rewritten_item(next: &Lead, stored: &Item) -> Result<Item, StoreError> {
    lead_item(
        next,
        stale_kept(stored),
        stored_i64(stored, "initial_value"),
    )
}

fn stale_kept(stored: &Item) -> StaleDue {
    StaleDue::Keep(
        stored
            .get("GSI2PK")
            .and_then(Value::as_str)
            .map(str::to_owned),
    )
}

pub(super) fn stored_i64(item: &Item, attr: &str) -> i64 {
    item.get(attr).and_then(Value::as_i64).unwrap_or(0)
}
