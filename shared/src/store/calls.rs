//! Calls and the missed-call recovery queue (DESIGN §2.2, §3, §4).
//!
//! | item | PK | SK | GSI1 |
//! |---|---|---|---|
//! | call seen (idempotency by the telephony call id) | `T#t#U#call#<call_id>` | `U` | |
//! | missed call | `T#t#MCALLS` | id (ULID of the call's time: sorts newest first) | `T#t#MCALLS#open` / id, only while open |
//! | the call on the customer's timeline | `T#t#C#id` | `TL#ulid` (type `call`) | |
//!
//! A call is recorded in one transaction: the claim on its call id (conditional), its
//! timeline entry and, when missed, the missed call. The open ones sit in a sparse index the
//! recovery queue reads a page of; handling one takes it out.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::domain::call::{Call, MissedCall, MissedCallStatus};
use crate::domain::customer::{Customer, Profile};
use crate::ports::store::{
    from_item, table, to_item, Check, Cond, Cursor, Index, Item, Query, Store, StoreError, Write,
    PK, SK,
};
use crate::store::customers::{self, owned_pointer, timeline_write, CustomerWriteError};
use crate::store::keys::{self, call_seen_key, missed_call_key, missed_calls_pk, open_missed_pk};
use crate::store::page;
use crate::store::retry::{self, optimistically, Attempt};

/// Open missed calls of a tenant, newest first (sparse: handled ones leave it).
pub const OPEN_MISSED_INDEX: Index = Index::Gsi(1);

/// Missed call ids are ULIDs; anything else names none.
fn is_missed_call_id(id: &str) -> bool {
    id.len() == 26 && ulid::Ulid::from_string(id).is_ok()
}

fn missed_item(m: &MissedCall) -> Result<Item, StoreError> {
    let key = missed_call_key(&m.tenant_id, &m.id);
    let mut item = to_item(m)?;
    item.insert(PK.into(), key.pk.into());
    item.insert(SK.into(), key.sk.into());
    if m.status == MissedCallStatus::Open {
        if let Index::Gsi(n) = OPEN_MISSED_INDEX {
            item.insert(table::gsi_pk(n), open_missed_pk(&m.tenant_id).into());
            item.insert(table::gsi_sk(n), m.id.clone().into());
        }
    }
    Ok(item)
}

/// What recording a call did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recorded {
    /// False when this call id was recorded before (nothing was written this time).
    pub new: bool,
    pub call_id: String,
    pub customer_id: String,
    pub status: crate::domain::call::CallStatus,
    /// The timeline entry of the call.
    pub timeline_entry_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missed_call: Option<MissedCall>,
}

fn call_text(call: &Call) -> String {
    use crate::domain::call::CallStatus as S;
    match call.status {
        S::Missed => "Missed call".to_owned(),
        S::Voicemail => "Missed call (voicemail left)".to_owned(),
        S::Answered => format!(
            "Call answered ({}:{:02})",
            call.duration_seconds / 60,
            call.duration_seconds % 60
        ),
    }
}

/// Records a call of `customer_id`: its timeline entry and, when missed, a missed call in
/// the recovery queue. The same call id again writes nothing and returns what the first
/// one recorded (`new: false`).
pub async fn record(
    store: &dyn Store,
    tenant: &str,
    call: &Call,
    customer_id: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Recorded, StoreError> {
    let at = call.started_at.min(now);
    let missed = call.status.is_missed().then(|| MissedCall {
        id: ulid::Ulid::from_datetime(at.into()).to_string(),
        tenant_id: tenant.to_owned(),
        call_id: call.call_id.clone(),
        customer_id: customer_id.to_owned(),
        phone: call.from.clone(),
        name: name.to_owned(),
        at: call.started_at,
        call_status: call.status,
        status: MissedCallStatus::Open,
        handled_by: None,
        handled_at: None,
        sms_message_id: None,
        created_at: now,
        updated_at: now,
        version: 1,
    });
    let (entry_write, entry) = timeline_write(
        tenant,
        customer_id,
        "call",
        call_text(call),
        json!({
            "call_id": call.call_id,
            "status": call.status,
            "started_at": call.started_at,
            "duration_seconds": call.duration_seconds,
            "missed_call_id": missed.as_ref().map(|m| &m.id),
        }),
        now,
    )?;
    let recorded = Recorded {
        new: true,
        call_id: call.call_id.clone(),
        customer_id: customer_id.to_owned(),
        status: call.status,
        timeline_entry_id: entry.id,
        missed_call: missed,
    };
    let seen_key = call_seen_key(tenant, &call.call_id);
    let mut seen = Item::new();
    seen.insert(PK.into(), seen_key.pk.clone().into());
    seen.insert(SK.into(), seen_key.sk.clone().into());
    seen.insert(
        "recorded".into(),
        serde_json::to_value(&recorded).map_err(|e| StoreError::Invalid(e.to_string()))?,
    );
    // The customer owns the call claim and the missed call: deleting them deletes both.
    let mut writes = vec![
        Write::put(seen).with_check(Check::new("call_seen", Cond::NotExists)),
        entry_write,
        owned_pointer(tenant, customer_id, &seen_key),
    ];
    if let Some(m) = &recorded.missed_call {
        writes.push(
            Write::put(missed_item(m)?)
                .with_check(Check::new("missed_call_exists", Cond::NotExists)),
        );
        writes.push(owned_pointer(
            tenant,
            customer_id,
            &missed_call_key(tenant, &m.id),
        ));
    }
    match store.transact(writes).await {
        Ok(()) => Ok(recorded),
        Err(StoreError::ConditionFailed("call_seen")) => {
            let item = store
                .get(&seen_key)
                .await?
                .ok_or(StoreError::ConditionFailed("call_seen"))?;
            let mut first: Recorded = item
                .get("recorded")
                .cloned()
                .map(|v| {
                    serde_json::from_value::<RecordedStored>(v)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))
                })
                .transpose()?
                .map(RecordedStored::into_recorded)
                .ok_or_else(|| StoreError::Corrupt("call claim without its record".into()))?;
            first.new = false;
            // The missed call as it is now (it may have been handled since).
            if let Some(m) = &first.missed_call {
                first.missed_call = get(store, tenant, &m.id).await?.or(first.missed_call);
            }
            Ok(first)
        }
        Err(e) => Err(e),
    }
}

/// `Recorded` read back from a call claim.
#[derive(Deserialize)]
struct RecordedStored {
    call_id: String,
    customer_id: String,
    status: crate::domain::call::CallStatus,
    timeline_entry_id: String,
    #[serde(default)]
    missed_call: Option<MissedCall>,
}

impl RecordedStored {
    fn into_recorded(self) -> Recorded {
        Recorded {
            new: true,
            call_id: self.call_id,
            customer_id: self.customer_id,
            status: self.status,
            timeline_entry_id: self.timeline_entry_id,
            missed_call: self.missed_call,
        }
    }
}

pub async fn get(
    store: &dyn Store,
    tenant: &str,
    id: &str,
) -> Result<Option<MissedCall>, StoreError> {
    if !is_missed_call_id(id) {
        return Ok(None);
    }
    store
        .get(&missed_call_key(tenant, id))
        .await?
        .map(|i| from_item(&i))
        .transpose()
}

/// Whether the missed call was handled (the SMS sender skips an automatic recovery text
/// then). An unknown id is not handled.
pub async fn is_handled(
    store: &dyn Store,
    tenant: &str,
    missed_call_id: &str,
) -> Result<bool, StoreError> {
    Ok(get(store, tenant, missed_call_id)
        .await?
        .is_some_and(|m| m.status == MissedCallStatus::Handled))
}

/// Which missed calls a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissedCallFilter {
    Open,
    Handled,
    All,
}

impl MissedCallFilter {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "open" => Some(Self::Open),
            "handled" => Some(Self::Handled),
            "all" => Some(Self::All),
            _ => None,
        }
    }

    /// The index and partition the list reads (a client's cursor must belong to it).
    pub fn partition(self, tenant: &str) -> (Index, String) {
        match self {
            Self::Open => (OPEN_MISSED_INDEX, open_missed_pk(tenant)),
            Self::Handled | Self::All => (Index::Primary, missed_calls_pk(tenant)),
        }
    }
}

/// A page of missed calls, newest first: the open ones from their sparse index, all of them
/// from their partition (handled ones: that partition, filtered).
pub async fn list(
    store: &dyn Store,
    tenant: &str,
    filter: MissedCallFilter,
    limit: u32,
    cursor: Option<Cursor>,
) -> Result<(Vec<MissedCall>, Option<Cursor>), StoreError> {
    let (index, pk) = filter.partition(tenant);
    let cond = (filter == MissedCallFilter::Handled)
        .then(|| Cond::Eq("status".into(), MissedCallStatus::Handled.as_str().into()));
    let query = Query::new(index, pk).descending().filter(cond);
    page::fill(store, query, limit, cursor).await
}

/// Writes `after` over `before` (version-guarded) with `extra` writes; `Ok(false)` when
/// someone else changed it first.
async fn save(
    store: &dyn Store,
    before: &MissedCall,
    after: &MissedCall,
    extra: Vec<Write>,
) -> Result<Attempt<()>, StoreError> {
    let mut writes = vec![Write::put(missed_item(after)?).with_check(Check::new(
        "missed_call_version",
        Cond::Eq("version".into(), before.version.into()),
    ))];
    writes.extend(extra);
    retry::commit(store, writes, &["missed_call_version"]).await
}

/// Marks a missed call handled by `actor` (idempotent: one already handled comes back as it
/// is, with `false`), takes it out of the open index and notes it on the customer's
/// timeline. `None`: no such missed call.
pub async fn mark_handled(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Option<(MissedCall, bool)>, StoreError> {
    optimistically(|| async move {
        let Some(before) = get(store, tenant, id).await? else {
            return Ok(Attempt::Done(None));
        };
        if before.status == MissedCallStatus::Handled {
            return Ok(Attempt::Done(Some((before, false))));
        }
        let mut after = before.clone();
        after.status = MissedCallStatus::Handled;
        after.handled_by = Some(actor.to_owned());
        after.handled_at = Some(now);
        after.updated_at = now;
        after.version = before.version + 1;
        let (entry, _) = timeline_write(
            tenant,
            &before.customer_id,
            "call",
            "Missed call handled".into(),
            json!({"missed_call_id": id, "call_id": before.call_id, "handled_by": actor}),
            now,
        )?;
        Ok(save(store, &before, &after, vec![entry])
            .await?
            .map(|()| Some((after, true))))
    })
    .await
}

/// Records the recovery text queued for a missed call (the first one stays: the text's id
/// is derived from the missed call's, so a second is the same text).
pub async fn set_sms_message(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    message_id: &str,
    now: DateTime<Utc>,
) -> Result<Option<MissedCall>, StoreError> {
    optimistically(|| async move {
        let Some(before) = get(store, tenant, id).await? else {
            return Ok(Attempt::Done(None));
        };
        if before.sms_message_id.is_some() {
            return Ok(Attempt::Done(Some(before)));
        }
        let mut after = before.clone();
        after.sms_message_id = Some(message_id.to_owned());
        after.updated_at = now;
        after.version = before.version + 1;
        Ok(save(store, &before, &after, Vec::new())
            .await?
            .map(|()| Some(after)))
    })
    .await
}

/// The id of the recovery text of a missed call: its business key, so queuing it twice
/// (automatically and by hand, or on a retried webhook) is one text.
pub fn recovery_message_id(missed_call_id: &str) -> String {
    format!("missed-{missed_call_id}")
}

/// The customer a caller is: the owner of their number, else a new customer (segment lead)
/// made by the same path as one made by hand, so their number's owner and search items are
/// right. `true` when created.
pub async fn caller(
    store: &dyn Store,
    settings: &crate::domain::tenant::TenantSettings,
    phone: &str,
    name: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(Customer, bool), CustomerWriteError> {
    let tenant = settings.tenant_id.as_str();
    let key = &keys::phone_owner_key(tenant, phone);
    optimistically(|| async move {
        if let Some(id) = customers::owner(store, key).await? {
            if let Some(c) = customers::get(store, tenant, &id).await? {
                return Ok(Attempt::Done((c, false)));
            }
        }
        let profile = Profile {
            name: name.map(str::to_owned),
            phones: Some(vec![phone.to_owned()]),
            ..Profile::default()
        };
        match customers::create_from(
            store,
            settings,
            &profile,
            &std::collections::BTreeSet::new(),
            Some(crate::domain::source::Source::PhoneCall),
            "Customer created from a call",
            now,
        )
        .await
        {
            Ok(c) => Ok(Attempt::Done((c, true))),
            // Someone made them meanwhile (another call, a booking): take that one.
            Err(CustomerWriteError::Taken { .. }) => Ok(Attempt::Collided),
            Err(e) => Err(e),
        }
    })
    .await
}
