//! Customers and the booking facts that make them (DESIGN §2.2, §2.3, §4).
//!
//! One function, [`ingest()`], takes a booking fact from either entrance (the EventBridge
//! consumer or the signed webhook): it finds or creates the customer, applies the fact to the
//! booking's state (idempotent per booking id and version, in any order), moves the KPIs by
//! the booking's change of contribution, classifies the customer again and awards milestones
//! — all in one transaction guarded by the customer's version — and then moves the lead the
//! booking converts along the pipeline.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::*;
use crate::domain::booking::{apply_fact, Applied, BookingFact, BookingStatus};
use crate::domain::customer::{reached, Milestone};
use crate::domain::hours::zone;
use crate::domain::lead::{Lead, LeadStatus, StatusEvent};
use crate::domain::tenant::TenantSettings;
use crate::ports::store::{from_item, Check, Cond, Store, StoreError, Write};
use crate::store::leads::{self, StatusChange};

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

/// The status a lead moves to because of its converting booking, if the machine allows it.
fn lead_target(lead: &Lead, booking: &BookingState, converting: bool) -> Option<LeadStatus> {
    let target = match booking.status {
        BookingStatus::Scheduled => LeadStatus::Booked,
        BookingStatus::Completed if booking.paid_amount > 0 => LeadStatus::Won,
        BookingStatus::Completed => LeadStatus::Booked,
        BookingStatus::Cancelled | BookingStatus::NoShow if converting => LeadStatus::FollowUp,
        BookingStatus::Cancelled | BookingStatus::NoShow => return None,
    };
    (lead.status != target).then_some(target)
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
    let tz = zone(&settings.time_zone);
    let mut attempt = 0;
    loop {
        attempt += 1;
        let resolved = resolve(store, tenant, fact, contact).await?;
        let is_new = resolved.customer.is_none();
        let mut customer = resolved
            .customer
            .clone()
            .unwrap_or_else(|| Customer::new(tenant, contact, resolved.lead.as_ref(), now));
        let bkey = booking_key(tenant, &customer.id, &fact.booking_id);
        let current: Option<BookingState> =
            store.get(&bkey).await?.map(|i| from_item(&i)).transpose()?;
        let booking = match apply_fact(current.as_ref(), fact) {
            Applied::Ignored => {
                return Ok(Ingested::AlreadyApplied {
                    customer_id: customer.id,
                })
            }
            Applied::Changed(b) => b,
        };
        let before = customer.clone();
        customer.totals.replace(current.as_ref(), &booking);
        track_dates(store, tenant, &mut customer, current.as_ref(), &booking).await?;
        if let Some(lead) = &resolved.lead {
            if customer.source.is_none() {
                customer.source = Some(lead.source);
            }
            if !customer.lead_ids.contains(&lead.id) {
                customer.lead_ids.push(lead.id.clone());
            }
        }
        if let Some(phone) = &contact.phone {
            if !customer.phones.contains(phone) {
                customer.phones.push(phone.clone());
            }
        }
        if let Some(email) = &contact.email {
            if !customer.emails.contains(email) {
                customer.emails.push(email.clone());
            }
        }
        if customer.name.is_empty() {
            customer.name = contact.name.clone().unwrap_or_default();
        }
        let mut changes = reclassify(&mut customer, &settings.thresholds, now);
        if is_new {
            // A new customer's first segment is no change of one.
            changes.segment = None;
        }
        let awarded: Vec<Milestone> = reached(&customer.totals)
            .into_iter()
            .filter(|m| !customer.milestones.contains(m))
            .collect();
        customer.milestones.extend(awarded.iter().copied());
        customer.next_milestone = milestone_due(&customer, tz, now);
        customer.updated_at = now;
        customer.version = before.version + 1;

        let mut writes = Vec::new();
        writes.push(
            Write::put(customer_item(tenant, &customer)?).with_check(Check::new(
                "customer_version",
                if is_new {
                    Cond::NotExists
                } else {
                    Cond::Eq("version".into(), before.version.into())
                },
            )),
        );
        let mut booking_item = to_item(&booking)?;
        booking_item.insert(PK.into(), bkey.pk.clone().into());
        booking_item.insert(SK.into(), bkey.sk.clone().into());
        booking_item.insert("customer_id".into(), customer.id.clone().into());
        writes.push(Write::put(booking_item).with_check(Check::new(
            "booking_version",
            match &current {
                None => Cond::NotExists,
                Some(c) => Cond::Eq("version".into(), c.version.into()),
            },
        )));
        if resolved.new_owner {
            let key = booking_owner_key(tenant, &fact.booking_id);
            writes.push(
                Write::put(owner_item(&key, &customer.id))
                    .with_check(Check::new("booking_owner", Cond::NotExists)),
            );
        }
        if is_new {
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
        writes.extend(due_writes(
            tenant,
            (!is_new).then_some(&before),
            &customer,
            tz,
        ));
        let before_tokens = if is_new {
            BTreeSet::new()
        } else {
            search_tokens(&before)
        };
        writes.extend(token_writes(
            tenant,
            &customer.id,
            &before_tokens,
            &search_tokens(&customer),
        ));
        let mut entries = vec![(
            "booking",
            format!(
                "{} {}",
                fact.kind.as_str(),
                booking.service.as_deref().unwrap_or("booking")
            ),
            serde_json::json!({
                "booking_id": booking.booking_id,
                "version": booking.version,
                "status": booking.status,
                "start": booking.start,
                "paid_amount": booking.paid_amount,
            }),
        )];
        for m in &awarded {
            entries.push((
                "milestone",
                format!("Milestone reached: {}", m.as_str()),
                serde_json::json!({"milestone": m}),
            ));
        }
        entries.extend(changes.entries());
        for (kind, text, data) in entries {
            writes.push(timeline_write(tenant, &customer.id, kind, text, data, now)?.0);
        }
        match store.transact(writes).await {
            Ok(()) => {}
            Err(StoreError::ConditionFailed(
                "customer_version" | "booking_version" | "booking_owner" | "customer_phone"
                | "customer_email",
            )) if attempt < MAX_ATTEMPTS => continue,
            Err(e) if e.is_retryable() && attempt < MAX_ATTEMPTS => continue,
            Err(e) => return Err(e.into()),
        }
        if is_new {
            check_new(store, tenant, &customer, now).await;
        }
        let (lead, lead_events) = match &resolved.lead {
            Some(lead) => convert_lead(store, tenant, lead, &customer, &booking, fact, now).await?,
            None => (None, Vec::new()),
        };
        return Ok(Ingested::Applied {
            customer: Box::new(customer),
            booking,
            milestones: awarded,
            lead,
            lead_events,
        });
    }
}

/// Keeps last visit, last booking and the upcoming bookings in step with the booking's change.
/// A change that could lower a maximum (a completed visit undone, a booking moved earlier)
/// reads the customer's own bookings once; every other fact is O(1).
async fn track_dates(
    store: &dyn Store,
    tenant: &str,
    customer: &mut Customer,
    old: Option<&BookingState>,
    new: &BookingState,
) -> Result<(), StoreError> {
    if new.status == BookingStatus::Scheduled {
        customer.upcoming.insert(new.booking_id.clone(), new.start);
    } else {
        customer.upcoming.remove(&new.booking_id);
    }
    let lowers = old.is_some_and(|o| {
        (Some(o.start) == customer.last_booking && new.start < o.start)
            || (o.status == BookingStatus::Completed
                && Some(o.start) == customer.last_visit
                && (new.status != BookingStatus::Completed || new.start < o.start))
    });
    if lowers {
        let mut all = bookings(store, tenant, &customer.id).await?;
        all.retain(|b| b.booking_id != new.booking_id);
        all.push(new.clone());
        customer.last_booking = all.iter().map(|b| b.start).max();
        customer.last_visit = all
            .iter()
            .filter(|b| b.status == BookingStatus::Completed)
            .map(|b| b.start)
            .max();
    } else {
        customer.last_booking = customer.last_booking.max(Some(new.start));
        if new.status == BookingStatus::Completed {
            customer.last_visit = customer.last_visit.max(Some(new.start));
        }
    }
    Ok(())
}

/// Links the lead to the customer and booking and moves it: booked, won when the visit is
/// completed and paid, back to follow-up when its converting booking is cancelled.
async fn convert_lead(
    store: &dyn Store,
    tenant: &str,
    lead: &Lead,
    customer: &Customer,
    booking: &BookingState,
    fact: &BookingFact,
    now: DateTime<Utc>,
) -> Result<(Option<(String, LeadStatus)>, Vec<StatusEvent>), IngestError> {
    let converting = lead
        .converted_booking_id
        .as_deref()
        .is_none_or(|b| b == booking.booking_id);
    if !converting && fact.lead_id.is_none() {
        // Another booking already converted this lead: this one is the customer's own.
        return Ok((None, Vec::new()));
    }
    if matches!(lead.status, LeadStatus::Won | LeadStatus::Lost)
        && booking.status != BookingStatus::Completed
    {
        return Ok((None, Vec::new()));
    }
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
    let Some(target) = lead_target(&linked, booking, converting) else {
        return Ok((None, Vec::new()));
    };
    // Won is reached through booked (the machine has no shortcut).
    let mut path = Vec::new();
    if target == LeadStatus::Won && linked.status != LeadStatus::Booked {
        path.push(LeadStatus::Booked);
    }
    path.push(target);
    let mut moved = None;
    let mut events = Vec::new();
    for to in path {
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
