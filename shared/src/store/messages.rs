//! Text messages and opt-outs (DESIGN §2.4, §4).
//!
//! | item | PK | SK | GSI1 |
//! |---|---|---|---|
//! | message | `T#t#MSG#id` | `M` | `T#t#MSGS` / `created#id` (newest first) |
//! | opt-out of a number | `T#t#U#optout#+353…` | `U` | |
//! | the provider's id of a sent message | `T#t#U#smsid#SM…` | `U` (→ `message_id`) | |
//!
//! A message's id is its business key (`review-<customer>-<booking>` for the review request
//! of one visit, a ULID for one written by hand), so the same work queued twice is one
//! message. Each status change is a version-guarded write with its timeline entry on the
//! customer, in one transaction.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::json;

use crate::domain::message::Message;
use crate::domain::message::MessageStatus;
use crate::ports::store::Key;
use crate::ports::store::{
    from_item, table, to_item, Check, Cond, Cursor, Index, Item, Query, Store, StoreError, Write,
    PK, SK,
};
use crate::store::customers::{owned_pointer, timeline_write};
use crate::store::keys::{
    legacy_opt_out_key, message_key, messages_pk, opt_out_key, provider_message_key,
};
use crate::store::page;

/// Messages of a tenant, newest first.
pub const MESSAGES_INDEX: Index = Index::Gsi(1);

fn message_item(m: &Message) -> Result<Item, StoreError> {
    let key = message_key(&m.tenant_id, &m.id);
    let mut item = to_item(m)?;
    item.insert(PK.into(), key.pk.into());
    item.insert(SK.into(), key.sk.into());
    if let Index::Gsi(n) = MESSAGES_INDEX {
        item.insert(table::gsi_pk(n), messages_pk(&m.tenant_id).into());
        item.insert(
            table::gsi_sk(n),
            format!(
                "{}#{}",
                m.created_at.to_rfc3339_opts(SecondsFormat::Millis, true),
                m.id
            )
            .into(),
        );
    }
    Ok(item)
}

/// The timeline entry of a message's status, on its customer.
fn entry(m: &Message, now: DateTime<Utc>) -> Result<Option<Write>, StoreError> {
    let Some(customer) = &m.customer_id else {
        return Ok(None);
    };
    let text = match (&m.reason, m.status) {
        (Some(reason), _) => format!("Text ({}) {}: {reason}", m.kind.as_str(), m.status.as_str()),
        (None, _) => format!("Text ({}) {}", m.kind.as_str(), m.status.as_str()),
    };
    timeline_write(
        &m.tenant_id,
        customer,
        "message",
        text,
        json!({"message_id": m.id, "kind": m.kind, "status": m.status, "reason": m.reason, "body": m.body}),
        now,
    )
    .map(|(w, _)| Some(w))
}

/// What `create` found.
#[derive(Debug, Clone, PartialEq)]
pub enum Created {
    New(Message),
    /// A message with this id existed (the same work queued again): as it is now.
    Existing(Message),
}

/// Records a new message (status `queued`) and its timeline entry; an existing id is
/// returned as it is, unchanged.
pub async fn create(store: &dyn Store, m: Message) -> Result<Created, StoreError> {
    let mut writes = vec![
        Write::put(message_item(&m)?).with_check(Check::new("message_exists", Cond::NotExists))
    ];
    writes.extend(entry(&m, m.created_at)?);
    if let Some(customer) = &m.customer_id {
        writes.push(owned_pointer(
            &m.tenant_id,
            customer,
            &message_key(&m.tenant_id, &m.id),
        ));
    }
    match store.transact(writes).await {
        Ok(()) => Ok(Created::New(m)),
        Err(StoreError::ConditionFailed("message_exists")) => {
            match get(store, &m.tenant_id, &m.id).await? {
                Some(existing) => Ok(Created::Existing(existing)),
                None => Err(StoreError::ConditionFailed("message_exists")),
            }
        }
        Err(e) => Err(e),
    }
}

pub async fn get(store: &dyn Store, tenant: &str, id: &str) -> Result<Option<Message>, StoreError> {
    store
        .get(&message_key(tenant, id))
        .await?
        .map(|i| from_item(&i))
        .transpose()
}

/// Writes `after` over `before` (version-guarded: `ConditionFailed("message_version")` when
/// someone else moved it) with a timeline entry when the status changed.
pub async fn update(
    store: &dyn Store,
    before: &Message,
    after: Message,
    now: DateTime<Utc>,
) -> Result<Message, StoreError> {
    write(store, before, after, now, None).await
}

async fn write(
    store: &dyn Store,
    before: &Message,
    mut after: Message,
    now: DateTime<Utc>,
    parked: Option<&ParkedReport>,
) -> Result<Message, StoreError> {
    after.version = before.version + 1;
    after.updated_at = now;
    let mut writes = vec![Write::put(message_item(&after)?).with_check(Check::new(
        "message_version",
        Cond::Eq("version".into(), before.version.into()),
    ))];
    if after.status != before.status {
        writes.extend(entry(&after, now)?);
    }
    // The provider's id, once known, finds the message again for its delivery reports. It
    // replaces only what was read: nothing, or the report parked before it (see `record_sent`).
    if let (Some(pid), None) = (&after.provider_id, &before.provider_id) {
        let key = provider_message_key(&after.tenant_id, pid);
        let mut item = key.item();
        item.insert("message_id".into(), after.id.clone().into());
        let read = match parked {
            None => Cond::NotExists,
            Some(r) => Cond::Eq("report_status".into(), r.status.as_str().into()),
        };
        writes.push(Write::put(item).with_check(Check::new("provider_report", read)));
        if let Some(customer) = &after.customer_id {
            writes.push(owned_pointer(&after.tenant_id, customer, &key));
        }
    }
    store.transact(writes).await?;
    Ok(after)
}

/// A delivery report that came before the send was recorded (the provider can call back
/// within the moment between accepting a text and our write of its id). Kept under the
/// provider's id until the send is recorded, for a week at most.
#[derive(Debug, Clone, PartialEq)]
pub struct ParkedReport {
    pub status: MessageStatus,
    pub reason: Option<String>,
}

/// How long a parked report waits for its send (then the table's TTL removes it).
const PARKED_FOR_SECS: i64 = 7 * 24 * 3600;

/// The report parked under `provider_id`, if one is (not when the id already names a message).
pub async fn parked_report(
    store: &dyn Store,
    tenant: &str,
    provider_id: &str,
) -> Result<Option<ParkedReport>, StoreError> {
    let Some(item) = store
        .get(&provider_message_key(tenant, provider_id))
        .await?
    else {
        return Ok(None);
    };
    let status = item
        .get("report_status")
        .and_then(serde_json::Value::as_str)
        .and_then(|s| serde_json::from_value(json!(s)).ok());
    Ok(status.map(|status| ParkedReport {
        status,
        reason: item
            .get("report_reason")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned),
    }))
}

/// Keeps a report for a provider id no message has yet. `ConditionFailed("provider_known")`
/// when the id names a message by now: apply the report to it instead.
pub async fn park_report(
    store: &dyn Store,
    tenant: &str,
    provider_id: &str,
    report: &ParkedReport,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut item = provider_message_key(tenant, provider_id).item();
    item.insert("report_status".into(), report.status.as_str().into());
    if let Some(reason) = &report.reason {
        item.insert("report_reason".into(), reason.clone().into());
    }
    item.insert(
        "expires_at".into(),
        (now.timestamp() + PARKED_FOR_SECS).into(),
    );
    let check = Check::new("provider_known", Cond::AttrNotExists("message_id".into()));
    store
        .transact(vec![Write::put(item).with_check(check)])
        .await
}

/// Records that `before` was sent under `after.provider_id`, with any report parked for that
/// id folded in (a text already delivered, or failed, is recorded as such).
pub async fn record_sent(
    store: &dyn Store,
    before: &Message,
    after: Message,
    now: DateTime<Utc>,
) -> Result<Message, StoreError> {
    let Some(pid) = after.provider_id.clone() else {
        return update(store, before, after, now).await;
    };
    // Optimistic: no report is waiting (the usual case costs no read); when the write finds
    // one, read it and fold it in.
    let mut parked: Option<ParkedReport> = None;
    for _ in 0..3 {
        let mut recorded = after.clone();
        if let Some(r) = &parked {
            recorded.status = r.status;
            recorded.reason = r.reason.clone();
        }
        match write(store, before, recorded, now, parked.as_ref()).await {
            Err(StoreError::ConditionFailed("provider_report")) => {
                parked = parked_report(store, &after.tenant_id, &pid).await?;
            }
            other => return other,
        }
    }
    Err(StoreError::ConditionFailed("provider_report"))
}

/// The message the provider knows by `provider_id`.
pub async fn by_provider_id(
    store: &dyn Store,
    tenant: &str,
    provider_id: &str,
) -> Result<Option<Message>, StoreError> {
    let Some(item) = store
        .get(&provider_message_key(tenant, provider_id))
        .await?
    else {
        return Ok(None);
    };
    match item.get("message_id").and_then(serde_json::Value::as_str) {
        Some(id) => get(store, tenant, id).await,
        None => Ok(None),
    }
}

/// A page of a tenant's messages, newest first, optionally of one status.
pub async fn list(
    store: &dyn Store,
    tenant: &str,
    status: Option<MessageStatus>,
    limit: u32,
    cursor: Option<Cursor>,
) -> Result<(Vec<Message>, Option<Cursor>), StoreError> {
    let filter = status.map(|s| Cond::Eq("status".into(), s.as_str().into()));
    let query = Query::new(MESSAGES_INDEX, messages_pk(tenant))
        .descending()
        .filter(filter);
    page::fill(store, query, limit, cursor).await
}

/// Whether a number has opted out of this tenant's texts.
pub async fn is_opted_out(store: &dyn Store, tenant: &str, e164: &str) -> Result<bool, StoreError> {
    Ok(opted_out_under(store, tenant, e164).await?.is_some())
}

/// The key the number's opt-out is kept under, if it opted out: the hashed one, or one kept
/// before opt-outs were hashed.
async fn opted_out_under(
    store: &dyn Store,
    tenant: &str,
    e164: &str,
) -> Result<Option<Key>, StoreError> {
    for key in [opt_out_key(tenant, e164), legacy_opt_out_key(tenant, e164)] {
        if store.get(&key).await?.is_some() {
            return Ok(Some(key));
        }
    }
    Ok(None)
}

/// Moves an opt-out kept under the number itself to its hashed key (erasure: the person
/// stays unsubscribed, and no item holds the number). Nothing when there is none.
pub async fn hash_legacy_opt_out(
    store: &dyn Store,
    tenant: &str,
    e164: &str,
) -> Result<(), StoreError> {
    let legacy = legacy_opt_out_key(tenant, e164);
    let Some(mut item) = store.get(&legacy).await? else {
        return Ok(());
    };
    let key = opt_out_key(tenant, e164);
    item.insert(PK.into(), key.pk.into());
    item.insert(SK.into(), key.sk.into());
    store
        .transact(vec![
            Write::put(item),
            Write::Delete {
                key: legacy,
                check: None,
            },
        ])
        .await
}

/// Records an opt-out (STOP), with a timeline entry on the number's customer if any.
/// Returns whether it changed anything.
pub async fn set_opt_out(
    store: &dyn Store,
    tenant: &str,
    e164: &str,
    opted_out: bool,
    customer: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let existing = opted_out_under(store, tenant, e164).await?;
    if existing.is_some() == opted_out {
        return Ok(false);
    }
    let key = existing.unwrap_or_else(|| opt_out_key(tenant, e164));
    let mut writes = vec![if opted_out {
        let mut item = Item::new();
        item.insert(PK.into(), key.pk.into());
        item.insert(SK.into(), key.sk.into());
        item.insert("at".into(), now.to_rfc3339().into());
        Write::put(item).with_check(Check::new("opt_out_unchanged", Cond::NotExists))
    } else {
        Write::Delete {
            key,
            check: Some(Check::new("opt_out_unchanged", Cond::Exists)),
        }
    }];
    if let Some(customer) = customer {
        let (text, change) = if opted_out {
            ("Opted out of texts (STOP)", "stop")
        } else {
            ("Opted back in to texts (START)", "start")
        };
        writes.push(
            timeline_write(
                tenant,
                customer,
                "message",
                text.to_owned(),
                json!({"consent": change}),
                now,
            )?
            .0,
        );
    }
    match store.transact(writes).await {
        Ok(()) => Ok(true),
        Err(StoreError::ConditionFailed("opt_out_unchanged")) => Ok(false),
        Err(e) => Err(e),
    }
}
