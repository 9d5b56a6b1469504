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
    item.insert("search".into(), search_text(lead).into());
    if initial_value != 0 {
        item.insert("initial_value".into(), initial_value.into());
    }
    Ok(item)
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
    serde_json::from_value(Value::Object(full))
        .map_err(|e| StoreError::Corrupt(format!("{}/{}: {e}", key.pk, key.sk)))
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

pub(super) fn stale_kept(stored: &Item) -> StaleDue {
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
