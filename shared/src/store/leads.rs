//! Lead access patterns: capture with its uniqueness claim, reads, lists, the board, edits
//! and status changes — each multi-item change one conditional transaction (DESIGN §4).

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::domain::lead::{is_lead_id, LeadDetail, LeadPatch, Note};
use crate::domain::lead::{transition, Lead, LeadStatus, StatusEvent, TransitionError};
use crate::domain::source::Source;
use crate::ports::store::{
    to_item, Check, Cond, Cursor, Index, Item, Key, Query, SkCond, Store, StoreError, Update,
    Write, PK, SK,
};
use crate::store::keys::{self, BOARD_INDEX};
use crate::store::page;
use crate::store::retry::{self, optimistically, Attempt};

/// Why a lead write did not happen.
#[derive(Debug, thiserror::Error)]
pub enum LeadWriteError {
    #[error("lead not found")]
    NotFound,
    #[error("the lead changed since it was read (now version {current})")]
    StaleVersion { current: u64 },
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error("the phone number already belongs to lead {existing_id} captured in the last day")]
    DuplicatePhone { existing_id: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

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

fn stale_kept(stored: &Item) -> StaleDue {
    StaleDue::Keep(
        stored
            .get("GSI2PK")
            .and_then(Value::as_str)
            .map(str::to_owned),
    )
}

fn stored_i64(item: &Item, attr: &str) -> i64 {
    item.get(attr).and_then(Value::as_i64).unwrap_or(0)
}

/// What a capture did.
#[derive(Debug, Clone, PartialEq)]
pub enum Inserted {
    Created,
    /// The phone was claimed within the window by this lead.
    Duplicate {
        existing_id: String,
    },
}

/// Writes a new lead together with the claim on its phone for `window_hours`, in one
/// conditional transaction. If the phone is already claimed in the window, nothing is
/// written and the claiming lead's id comes back. Collisions are retried.
pub async fn insert(
    store: &dyn Store,
    lead: &Lead,
    stale_after_hours: u32,
    window_hours: u32,
    now: DateTime<Utc>,
) -> Result<Inserted, StoreError> {
    let now_ms = now.timestamp_millis();
    let window_ends = now_ms + i64::from(window_hours) * 3_600_000;
    let claim_key = keys::phone_claim(&lead.tenant_id, &lead.phone);
    // Built for each attempt rather than cloned: a retry is rare, a capture is not.
    let writes = || -> Result<Vec<Write>, StoreError> {
        let mut claim = Item::new();
        claim.insert(PK.into(), claim_key.pk.clone().into());
        claim.insert(SK.into(), claim_key.sk.clone().into());
        claim.insert("lead_id".into(), lead.id.clone().into());
        // No TTL: after its window the claim still names the latest lead with this phone,
        // which is how a booking finds the lead it converts (customers::ingest).
        claim.insert("window_ends_ms".into(), window_ends.into());
        let lead_item = lead_item(
            lead,
            StaleDue::After(stale_after_hours),
            lead.expected_value,
        )?;
        Ok(vec![
            Write::put(lead_item).with_check(Check::new("lead_id", Cond::NotExists)),
            Write::put(claim).with_check(Check::new(
                "phone_claim",
                Cond::Or(vec![
                    Cond::NotExists,
                    Cond::Lt("window_ends_ms".into(), now_ms.into()),
                ]),
            )),
        ])
    };
    let (writes, claim_key) = (&writes, &claim_key);
    optimistically(|| async move {
        match store.transact(writes()?).await {
            Ok(()) => Ok(Attempt::Done(Inserted::Created)),
            Err(StoreError::ConditionFailed("phone_claim")) => {
                let existing = store.get(claim_key).await?;
                Ok(
                    match existing
                        .as_ref()
                        .and_then(|c| c.get("lead_id"))
                        .and_then(Value::as_str)
                    {
                        Some(id) => Attempt::Done(Inserted::Duplicate {
                            existing_id: id.to_owned(),
                        }),
                        // The claim vanished between the two calls: try again.
                        None => Attempt::Collided,
                    },
                )
            }
            Err(e) if e.is_retryable() => Ok(Attempt::Collided),
            Err(e) => Err(e),
        }
    })
    .await
}

pub async fn get(store: &dyn Store, tenant: &str, id: &str) -> Result<Option<Lead>, StoreError> {
    if !is_lead_id(id) {
        return Ok(None);
    }
    store
        .get(&keys::lead(tenant, id))
        .await?
        .map(|i| lead_from_item(&i))
        .transpose()
}

/// Most events or notes returned with a lead (the rest belong to the timeline's pages).
const DETAIL_CHILDREN: u32 = 200;

pub async fn detail(
    store: &dyn Store,
    tenant: &str,
    id: &str,
) -> Result<Option<LeadDetail>, StoreError> {
    let Some(lead) = get(store, tenant, id).await? else {
        return Ok(None);
    };
    let pk = keys::lead_children_pk(tenant, id);
    let events = store
        .query(
            &Query::new(Index::Primary, &pk)
                .sk(SkCond::BeginsWith(keys::STATUS_EVENT_PREFIX.into()))
                .limit(DETAIL_CHILDREN),
        )
        .await?
        .typed::<StatusEvent>()?;
    let notes = store
        .query(
            &Query::new(Index::Primary, &pk)
                .sk(SkCond::BeginsWith(keys::NOTE_PREFIX.into()))
                .descending()
                .limit(DETAIL_CHILDREN),
        )
        .await?
        .typed::<Note>()?;
    let tasks = crate::store::tasks::of_lead(store, tenant, id).await?;
    Ok(Some(LeadDetail {
        lead,
        events,
        notes,
        tasks,
    }))
}

/// Filters of the lead list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListFilter {
    pub status: Option<LeadStatus>,
    pub source: Option<Source>,
    pub assignee: Option<String>,
    pub stale: Option<bool>,
    /// Matched against lowercased name, email and phone digits.
    pub q: Option<String>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
}

impl ListFilter {
    /// Which index and partition serve this filter: the board index for one status, the
    /// lead partition otherwise.
    pub fn partition(&self, tenant: &str) -> (Index, String) {
        match self.status {
            Some(s) => (BOARD_INDEX, keys::board_pk(tenant, s)),
            None => (Index::Primary, keys::leads_pk(tenant)),
        }
    }

    fn sk_range(&self) -> SkCond {
        let lo = self.created_from.map(|t| ulid_floor(t, false));
        let hi = self.created_to.map(|t| ulid_floor(t, true));
        match (lo, hi) {
            (Some(lo), Some(hi)) => SkCond::Between(lo, hi),
            (Some(lo), None) => SkCond::Ge(lo),
            (None, Some(hi)) => SkCond::Le(hi),
            (None, None) => SkCond::All,
        }
    }

    fn residual(&self) -> Option<Cond> {
        let mut all = Vec::new();
        if let Some(s) = self.source {
            all.push(Cond::Eq("source".into(), s.as_str().into()));
        }
        if let Some(a) = &self.assignee {
            all.push(Cond::Eq("assignee".into(), a.clone().into()));
        }
        match self.stale {
            Some(true) => all.push(Cond::Eq("stale".into(), true.into())),
            // Fresh leads are stored without the flag (see `compact`).
            Some(false) => all.push(Cond::Not(Box::new(Cond::Eq("stale".into(), true.into())))),
            None => {}
        }
        if let Some(q) = &self.q {
            let q = q.to_lowercase();
            let digits: String = q.chars().filter(char::is_ascii_digit).collect();
            let needle = if !digits.is_empty()
                && q.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c))
            {
                digits
            } else {
                q
            };
            all.push(Cond::Or(vec![
                Cond::Contains("search".into(), needle.clone().into()),
                Cond::Contains("email".into(), needle.into()),
            ]));
        }
        match all.len() {
            0 => None,
            1 => all.pop(),
            _ => Some(Cond::And(all)),
        }
    }
}

/// The smallest (or largest) ULID of the millisecond of `t`: bounds of a created range.
fn ulid_floor(t: DateTime<Utc>, ceiling: bool) -> String {
    let ms = u64::try_from(t.timestamp_millis()).unwrap_or(0);
    let random = if ceiling { u128::MAX } else { 0 };
    ulid::Ulid::from_parts(ms, random).to_string()
}

/// One page of leads, newest first. Filters the index cannot serve are applied to what it
/// returns; a page may be short when a filter is selective, with a cursor to go on.
pub async fn list(
    store: &dyn Store,
    tenant: &str,
    filter: &ListFilter,
    limit: u32,
    cursor: Option<Cursor>,
) -> Result<(Vec<Lead>, Option<Cursor>), StoreError> {
    let (index, pk) = filter.partition(tenant);
    let query = Query::new(index, &pk)
        .sk(filter.sk_range())
        .descending()
        .filter(filter.residual());
    page::fill_with(store, query, limit, cursor, lead_from_item).await
}

/// The item as stored, with the attributes the lead record does not carry kept.
async fn load(store: &dyn Store, tenant: &str, id: &str) -> Result<(Lead, Item), LeadWriteError> {
    if !is_lead_id(id) {
        return Err(LeadWriteError::NotFound);
    }
    let item = store
        .get(&keys::lead(tenant, id))
        .await?
        .ok_or(LeadWriteError::NotFound)?;
    Ok((lead_from_item(&item)?, item))
}

fn version_check(version: u64) -> Check {
    Check::new("version", Cond::Eq("version".into(), version.into()))
}

fn board_key(tenant: &str) -> Key {
    Key::new(keys::stats_pk(tenant), keys::STATS_BOARD)
}

/// Commits a write guarded by the lead's version (check `version`): `Collided` when another
/// change came first (or a transaction conflict) and the change should be tried again on a
/// fresh read; a caller that insisted on its version gets `StaleVersion` instead.
async fn commit_versioned(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    writes: Vec<Write>,
    insisted: bool,
) -> Result<Attempt<()>, LeadWriteError> {
    match retry::commit(store, writes, &["version", "event_id"]).await {
        Err(StoreError::ConditionFailed("version")) | Ok(Attempt::Collided) if insisted => {
            let current = get(store, tenant, id)
                .await?
                .map(|l| l.version)
                .unwrap_or(0);
            Err(LeadWriteError::StaleVersion { current })
        }
        other => Ok(other?),
    }
}

/// Edits a lead. With `expected_version`, a lead changed since then is refused; without,
/// concurrent edits are retried on the fresh version.
pub async fn update(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    patch: &LeadPatch,
    expected_version: Option<u64>,
    now: DateTime<Utc>,
) -> Result<Lead, LeadWriteError> {
    optimistically(|| async move {
        let (lead, stored) = load(store, tenant, id).await?;
        if expected_version.is_some_and(|v| v != lead.version) {
            return Err(LeadWriteError::StaleVersion {
                current: lead.version,
            });
        }
        let next = patch.apply(&lead, now);
        let item = lead_item(
            &next,
            stale_kept(&stored),
            stored_i64(&stored, "initial_value"),
        )?;
        let mut writes = vec![Write::put(item).with_check(version_check(lead.version))];
        let delta = next.expected_value - lead.expected_value;
        if delta != 0 {
            writes.push(Write::Update {
                key: board_key(tenant),
                update: Update::default().add(format!("v_{}", lead.status.as_str()), delta),
                check: None,
            });
        }
        Ok(
            commit_versioned(store, tenant, id, writes, expected_version.is_some())
                .await?
                .map(|()| next),
        )
    })
    .await
}

/// Records the customer a lead became and, when a booking converted it, that booking (the
/// first booking to do so keeps the role); on linking, the lead's capture and status changes
/// go onto the customer's timeline in the same transaction. Returns the lead as it stands.
pub async fn link_customer(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    customer_id: &str,
    booking_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Lead, LeadWriteError> {
    optimistically(|| async move {
        let (lead, stored) = load(store, tenant, id).await?;
        let linked = lead.customer_id.as_deref() == Some(customer_id);
        if linked && (booking_id.is_none() || lead.converted_booking_id.is_some()) {
            return Ok(Attempt::Done(lead));
        }
        let mut next = lead.clone();
        next.customer_id = Some(customer_id.to_owned());
        if next.converted_booking_id.is_none() {
            next.converted_booking_id = booking_id.map(str::to_owned);
        }
        next.updated_at = now;
        next.version = lead.version + 1;
        let item = lead_item(
            &next,
            stale_kept(&stored),
            stored_i64(&stored, "initial_value"),
        )?;
        let mut writes = vec![Write::put(item).with_check(version_check(lead.version))];
        if !linked {
            let events = detail(store, tenant, id)
                .await?
                .map(|d| d.events)
                .unwrap_or_default();
            writes.extend(crate::store::customers::lead_history_writes(
                tenant,
                customer_id,
                &next,
                &events,
            )?);
        }
        Ok(commit_versioned(store, tenant, id, writes, false)
            .await?
            .map(|()| next))
    })
    .await
}

/// Flags an open lead stale (nobody booked it in time): the flag, and an insert-only event
/// (status unchanged, actor `system`) in one versioned transaction; the lead leaves the
/// stale-due index. `None` when it is booked, won, lost or already stale (so a job can run
/// the same bucket again).
pub async fn mark_stale(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<(Lead, StatusEvent)>, LeadWriteError> {
    optimistically(|| async move {
        let (lead, stored) = match load(store, tenant, id).await {
            Ok(found) => found,
            Err(LeadWriteError::NotFound) => return Ok(Attempt::Done(None)),
            Err(e) => return Err(e),
        };
        if !lead.status.is_open() || lead.stale {
            return Ok(Attempt::Done(None));
        }
        let mut next = lead.clone();
        next.stale = true;
        next.updated_at = now;
        next.version = lead.version + 1;
        let event = StatusEvent {
            id: keys::sequential_id(now),
            lead_id: id.to_owned(),
            from: Some(lead.status),
            to: lead.status,
            actor: "system".into(),
            reason: Some("stale: not booked in time".into()),
            at: now,
        };
        let mut event_item = to_item(&event)?;
        event_item.insert(PK.into(), keys::lead_children_pk(tenant, id).into());
        event_item.insert(SK.into(), keys::status_event_sk(next.version).into());
        event_item.insert("type".into(), "stale".into());
        let item = lead_item(
            &next,
            StaleDue::Keep(None),
            stored_i64(&stored, "initial_value"),
        )?;
        let mut writes = vec![
            Write::put(item).with_check(version_check(lead.version)),
            Write::put(event_item).with_check(Check::new("event_id", Cond::NotExists)),
        ];
        if let Some(customer) = &lead.customer_id {
            writes.push(crate::store::customers::status_entry_write(
                tenant, customer, &event,
            )?);
        }
        Ok(commit_versioned(store, tenant, id, writes, false)
            .await?
            .map(|()| Some((next, event))))
    })
    .await
}

/// A requested status change.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChange<'a> {
    pub to: LeadStatus,
    pub reason: Option<&'a str>,
    /// Who asks: a user's `sub`, or `system`.
    pub actor: &'a str,
    /// The version the caller read (`If-Match`), if it insists on it.
    pub expected_version: Option<u64>,
}

/// Moves a lead along the pipeline, writing the insert-only status event and the board
/// counters in the same transaction as the lead.
pub async fn change_status(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    change: &StatusChange<'_>,
    now: DateTime<Utc>,
) -> Result<(Lead, StatusEvent), LeadWriteError> {
    let StatusChange {
        to,
        reason,
        actor,
        expected_version,
    } = *change;
    optimistically(|| async move {
        let (lead, stored) = load(store, tenant, id).await?;
        if expected_version.is_some_and(|v| v != lead.version) {
            return Err(LeadWriteError::StaleVersion {
                current: lead.version,
            });
        }
        let next = transition(&lead, to, reason, now)?;
        let event = StatusEvent {
            // Monotonic within the process: changes made in one burst keep their order.
            id: keys::sequential_id(now),
            lead_id: id.to_owned(),
            from: Some(lead.status),
            to,
            actor: actor.to_owned(),
            reason: next.lost_reason.clone(),
            at: now,
        };
        let mut event_item = to_item(&event)?;
        event_item.insert(PK.into(), keys::lead_children_pk(tenant, id).into());
        event_item.insert(SK.into(), keys::status_event_sk(next.version).into());
        event_item.insert("type".into(), "status".into());
        let item = lead_item(
            &next,
            stale_kept(&stored),
            stored_i64(&stored, "initial_value"),
        )?;
        let value = lead.expected_value;
        let mut writes = vec![
            Write::put(item).with_check(version_check(lead.version)),
            Write::put(event_item).with_check(Check::new("event_id", Cond::NotExists)),
            Write::Update {
                key: board_key(tenant),
                update: Update::default()
                    .add(format!("n_{}", lead.status.as_str()), -1)
                    .add(format!("n_{}", to.as_str()), 1)
                    .add(format!("v_{}", lead.status.as_str()), -value)
                    .add(format!("v_{}", to.as_str()), value),
                check: None,
            },
        ];
        if let Some(customer) = &lead.customer_id {
            writes.push(crate::store::customers::status_entry_write(
                tenant, customer, &event,
            )?);
        }
        if to == LeadStatus::Won {
            writes.push(Write::Update {
                key: Key::new(
                    keys::stats_pk(tenant),
                    keys::stats_month_sk(&keys::month_of(now)),
                ),
                update: Update::default().add("won", 1).add(
                    format!(
                        "{}{}",
                        crate::store::stats::WON_BY_SOURCE,
                        lead.source.as_str()
                    ),
                    1,
                ),
                check: None,
            });
        }
        Ok(
            commit_versioned(store, tenant, id, writes, expected_version.is_some())
                .await?
                .map(|()| (next, event)),
        )
    })
    .await
}

/// Adds a note to an existing lead.
pub async fn add_note(
    store: &dyn Store,
    tenant: &str,
    lead_id: &str,
    body: &str,
    author: &str,
    now: DateTime<Utc>,
) -> Result<Note, LeadWriteError> {
    if !is_lead_id(lead_id) {
        return Err(LeadWriteError::NotFound);
    }
    let note = Note {
        id: keys::sequential_id(now),
        lead_id: lead_id.to_owned(),
        body: body.to_owned(),
        author: author.to_owned(),
        created_at: now,
    };
    let mut item = to_item(&note)?;
    item.insert(PK.into(), keys::lead_children_pk(tenant, lead_id).into());
    item.insert(SK.into(), keys::note_sk(&note.id).into());
    item.insert("type".into(), "note".into());
    let writes = vec![
        Write::ConditionCheck {
            key: keys::lead(tenant, lead_id),
            check: Check::new("lead", Cond::Exists),
        },
        Write::put(item).with_check(Check::new("note_id", Cond::NotExists)),
    ];
    let (writes, note) = (&writes, &note);
    optimistically(|| async move {
        match retry::commit(store, writes.clone(), &[]).await {
            Err(StoreError::ConditionFailed("lead")) => Err(LeadWriteError::NotFound),
            other => Ok(other?.map(|()| note.clone())),
        }
    })
    .await
}
