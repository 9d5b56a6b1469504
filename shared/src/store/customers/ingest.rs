//! Customers and the booking facts that make them (DESIGN §2.2, §2.3, §4).
//!
//! One function, [`ingest()`], takes a booking fact from either entrance (the EventBridge
//! consumer or the signed webhook): it finds or creates the customer and the lead the booking
//! converts, applies the fact to the booking's state (idempotent per booking id and version,
//! in any order), asks `domain::customer::apply_booking` what that does to the customer, and
//! commits it all in one transaction guarded by the customer's version; then it moves the
//! lead along the pipeline as `domain::customer::lead_moves` says.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::Value;

use super::*;
use crate::domain::booking::{apply_fact, Applied, BookingFact};
use crate::domain::customer::{
    apply_booking, converts, lead_moves, needs_history, BookingApplied, Ingest, Milestone,
};
use crate::domain::hours::zone;
use crate::domain::lead::{Lead, LeadStatus, StatusEvent};
use crate::domain::source::Source;
use crate::domain::tenant::TenantSettings;
use crate::domain::timeline::Entry;
use crate::ports::store::{from_item, Check, Cond, Store, StoreError, Write};
use crate::store::leads::{self, StatusChange};
use crate::store::retry::{self, optimistically, Attempt};

/// What an ingested fact did.
#[derive(Debug, Clone, PartialEq)]
pub enum Ingested {
    /// The customer after the fact, with the milestones it awarded.
    Applied {
        customer: Box<Customer>,
        booking: BookingState,
        milestones: Vec<Milestone>,
        /// The lead the booking converts and the status it moved to, if it moved.
        lead: Option<(String, LeadStatus)>,
        /// The status events of that move (actor `system`), for `lead.status_changed`.
        lead_events: Vec<StatusEvent>,
    },
    /// A version already held (or older): nothing changed.
    AlreadyApplied { customer_id: String },
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("a booking fact needs a phone, an email or a lead id to find its customer")]
    NoContact,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where a fact leads: the customer it belongs to (if one exists), and the lead it converts.
struct Resolved {
    customer: Option<Customer>,
    lead: Option<Lead>,
    /// The booking-owner item must be written (the booking's first fact).
    new_owner: bool,
}

async fn resolve(
    store: &dyn Store,
    tenant: &str,
    fact: &BookingFact,
    contact: &Contact,
) -> Result<Resolved, IngestError> {
    let lead = match &fact.lead_id {
        Some(id) => leads::get(store, tenant, id).await?,
        None => match &contact.phone {
            // The phone claim names the latest lead captured with this phone.
            Some(phone) => match store.get(&keys::phone_claim(tenant, phone)).await? {
                Some(claim) => match claim.get("lead_id").and_then(Value::as_str) {
                    Some(id) => leads::get(store, tenant, id).await?,
                    None => None,
                },
                None => None,
            },
            None => None,
        },
    };
    if let Some(id) = owner(store, &booking_owner_key(tenant, &fact.booking_id)).await? {
        return Ok(Resolved {
            customer: get(store, tenant, &id).await?,
            lead,
            new_owner: false,
        });
    }
    let mut customer_id = lead.as_ref().and_then(|l| l.customer_id.clone());
    if customer_id.is_none() {
        if let Some(phone) = contact.phone.as_ref().or(lead.as_ref().map(|l| &l.phone)) {
            customer_id = owner(store, &phone_owner_key(tenant, phone)).await?;
        }
    }
    if customer_id.is_none() {
        if let Some(email) = &contact.email {
            customer_id = owner(store, &email_owner_key(tenant, email)).await?;
        }
    }
    if customer_id.is_none() && lead.is_none() && contact.phone.is_none() && contact.email.is_none()
    {
        return Err(IngestError::NoContact);
    }
    let customer = match customer_id {
        Some(id) => get(store, tenant, &id).await?,
        None => None,
    };
    Ok(Resolved {
        customer,
        lead,
        new_owner: true,
    })
}

/// Applies one booking fact for the tenant of `settings` (its thresholds classify, its time
/// zone files the due work). Safe to call again with the same fact, and with facts in any
/// order: the KPIs always equal a recomputation over the bookings' latest versions.
pub async fn ingest(
    store: &dyn Store,
    settings: &TenantSettings,
    fact: &BookingFact,
    contact: &Contact,
    now: DateTime<Utc>,
) -> Result<Ingested, IngestError> {
    let tenant = settings.tenant_id.as_str();
    let (customer, booking, awarded, lead, is_new) =
        match optimistically(|| attempt(store, settings, fact, contact, now)).await? {
            Step::AlreadyApplied(customer_id) => {
                return Ok(Ingested::AlreadyApplied { customer_id })
            }
            Step::Committed(c) => (Box::new(c.customer), c.booking, c.awarded, c.lead, c.is_new),
        };
    if is_new {
        check_new(store, tenant, &customer, now).await;
    }
    let (lead, lead_events) = match &lead {
        Some(lead) => convert_lead(store, tenant, lead, &customer, &booking, fact, now).await?,
        None => (None, Vec::new()),
    };
    Ok(Ingested::Applied {
        customer,
        booking,
        milestones: awarded,
        lead,
        lead_events,
    })
}

/// What one attempt at a fact did.
enum Step {
    AlreadyApplied(String),
    Committed(Box<Committed>),
}

/// A fact committed: what the rest of ingest works on.
struct Committed {
    customer: Customer,
    booking: BookingState,
    awarded: Vec<Milestone>,
    /// The lead the booking converts.
    lead: Option<Lead>,
    is_new: bool,
}

/// One attempt: reads the customer, lead and booking afresh, applies the fact and commits it;
/// `Collided` when another change to any of them came first.
async fn attempt(
    store: &dyn Store,
    settings: &TenantSettings,
    fact: &BookingFact,
    contact: &Contact,
    now: DateTime<Utc>,
) -> Result<Attempt<Step>, IngestError> {
    let tenant = settings.tenant_id.as_str();
    let tz = zone(&settings.time_zone);
    let resolved = resolve(store, tenant, fact, contact).await?;
    let is_new = resolved.customer.is_none();
    let customer = resolved.customer.clone().unwrap_or_else(|| {
        let mut c = Customer::new(
            keys::sequential_id(now),
            tenant,
            contact,
            resolved.lead.as_ref(),
            now,
        );
        // No lead made them: how the booking system says they came, else they found the
        // business themselves.
        c.source = c.source.or(fact.source).or(Some(Source::Organic));
        c
    });
    let bkey = booking_key(tenant, &customer.id, &fact.booking_id);
    let current: Option<BookingState> =
        store.get(&bkey).await?.map(|i| from_item(&i)).transpose()?;
    let booking = match apply_fact(current.as_ref(), fact) {
        Applied::Ignored => return Ok(Attempt::Done(Step::AlreadyApplied(customer.id))),
        Applied::Changed(b) => b,
    };
    let history = if needs_history(&customer, current.as_ref(), &booking) {
        Some(bookings(store, tenant, &customer.id).await?)
    } else {
        None
    };
    let before = customer;
    let BookingApplied {
        customer,
        awarded,
        entries,
    } = apply_booking(
        Ingest {
            kind: fact.kind,
            customer: &before,
            is_new,
            lead: resolved.lead.as_ref(),
            contact,
            previous: current.as_ref(),
            booking: &booking,
            history: history.as_deref(),
            thresholds: &settings.thresholds,
            tz,
        },
        now,
    );
    let writes = commit_writes(Commit {
        tenant,
        before: (!is_new).then_some(&before),
        after: &customer,
        previous: current.as_ref(),
        booking: &booking,
        new_owner: resolved.new_owner,
        entries,
        tz,
        now,
    })?;
    let conditions = [
        "customer_version",
        "booking_version",
        "booking_owner",
        "customer_phone",
        "customer_email",
    ];
    Ok(retry::commit(store, writes, &conditions).await?.map(|()| {
        Step::Committed(Box::new(Committed {
            customer,
            booking,
            awarded,
            lead: resolved.lead,
            is_new,
        }))
    }))
}

/// The changes of one booking fact, as one transaction writes them.
struct Commit<'a> {
    tenant: &'a str,
    /// The customer as stored; none for one made by this fact.
    before: Option<&'a Customer>,
    after: &'a Customer,
    /// The booking's state before the fact and after it.
    previous: Option<&'a BookingState>,
    booking: &'a BookingState,
    /// The booking-owner item must be written (the booking's first fact).
    new_owner: bool,
    entries: Vec<Entry>,
    tz: Tz,
    now: DateTime<Utc>,
}

/// The writes of a booking fact, each guarded so that a race with another fact for the same
/// customer, booking, phone or email fails the whole transaction (and the caller retries on
/// fresh reads): the customer at its version, the booking at its version, the claims of a
/// new customer and booking, due work, search items and timeline entries.
fn commit_writes(c: Commit<'_>) -> Result<Vec<Write>, StoreError> {
    let (tenant, customer) = (c.tenant, c.after);
    let bkey = booking_key(tenant, &customer.id, &c.booking.booking_id);
    let mut writes = customer_writes(tenant, c.before, customer, c.tz, c.entries, c.now)?;
    let mut booking_item = to_item(c.booking)?;
    booking_item.insert(PK.into(), bkey.pk.clone().into());
    booking_item.insert(SK.into(), bkey.sk.clone().into());
    booking_item.insert("customer_id".into(), customer.id.clone().into());
    writes.push(Write::put(booking_item).with_check(Check::new(
        "booking_version",
        match c.previous {
            None => Cond::NotExists,
            Some(p) => Cond::Eq("version".into(), p.version.into()),
        },
    )));
    if c.new_owner {
        let key = booking_owner_key(tenant, &c.booking.booking_id);
        writes.push(
            Write::put(owner_item(&key, &customer.id))
                .with_check(Check::new("booking_owner", Cond::NotExists)),
        );
    }
    if c.before.is_none() {
        for phone in &customer.phones {
            let key = phone_owner_key(tenant, phone);
            writes.push(
                Write::put(owner_item(&key, &customer.id))
                    .with_check(Check::new("customer_phone", Cond::NotExists)),
            );
        }
        for email in &customer.emails {
            let key = email_owner_key(tenant, email);
            writes.push(
                Write::put(owner_item(&key, &customer.id))
                    .with_check(Check::new("customer_email", Cond::NotExists)),
            );
        }
    }
    Ok(writes)
}

/// Links the lead to the customer and booking and moves it where the booking takes it
/// (`domain::customer::lead_moves`).
async fn convert_lead(
    store: &dyn Store,
    tenant: &str,
    lead: &Lead,
    customer: &Customer,
    booking: &BookingState,
    fact: &BookingFact,
    now: DateTime<Utc>,
) -> Result<(Option<(String, LeadStatus)>, Vec<StatusEvent>), IngestError> {
    let Some(converting) = converts(lead, booking, fact) else {
        return Ok((None, Vec::new()));
    };
    let linked = leads::link_customer(
        store,
        tenant,
        &lead.id,
        &customer.id,
        Some(&booking.booking_id),
        now,
    )
    .await
    .map_err(|e| match e {
        leads::LeadWriteError::Store(s) => IngestError::Store(s),
        other => IngestError::Store(StoreError::Backend(other.to_string())),
    })?;
    let mut moved = None;
    let mut events = Vec::new();
    for to in lead_moves(&linked, booking, converting) {
        let change = StatusChange {
            to,
            reason: None,
            actor: "system",
            expected_version: None,
        };
        match leads::change_status(store, tenant, &lead.id, &change, now).await {
            Ok((_, event)) => {
                moved = Some((lead.id.clone(), to));
                events.push(event);
            }
            Err(leads::LeadWriteError::Store(s)) => return Err(IngestError::Store(s)),
            // A transition the machine refuses (the lead moved on by hand): leave it.
            Err(e) => {
                tracing::info!(lead_id = %lead.id, to = to.as_str(), error = %e, "lead not moved by booking");
                break;
            }
        }
    }
    Ok((moved, events))
}
