//! What a booking fact does to its customer and to the lead it converts (DESIGN §2.1, §2.3):
//! the pure half of booking ingest. The store finds the customer, the lead and the booking's
//! current state, asks [`apply_booking`] for the changes and commits them in one
//! transaction; [`lead_moves`] says where the converted lead goes after.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::json;

use super::{milestone_due, reached, reclassify, Customer, Milestone, Thresholds};
use crate::domain::booking::{BookingFact, BookingKind, BookingState, BookingStatus, Contact};
use crate::domain::lead::{Lead, LeadStatus};
use crate::domain::source::LastTouch;
use crate::domain::timeline::{self, Entry};

/// A booking fact applied to its customer: the customer after it, the milestones it
/// awarded, and the timeline entries it makes (the booking first).
#[derive(Debug, Clone, PartialEq)]
pub struct BookingApplied {
    pub customer: Customer,
    pub awarded: Vec<Milestone>,
    pub entries: Vec<Entry>,
}

/// What a booking ingest starts from.
#[derive(Debug, Clone, Copy)]
pub struct Ingest<'a> {
    pub kind: BookingKind,
    /// The customer as stored; `is_new` when made for this fact (not yet stored).
    pub customer: &'a Customer,
    pub is_new: bool,
    /// The lead the booking converts, if one.
    pub lead: Option<&'a Lead>,
    pub contact: &'a Contact,
    /// The booking's state before the fact (none: its first fact) and after it.
    pub previous: Option<&'a BookingState>,
    pub booking: &'a BookingState,
    /// The customer's other bookings, when [`needs_history`] asked for them.
    pub history: Option<&'a [BookingState]>,
    pub thresholds: &'a Thresholds,
    pub tz: Tz,
}

/// Whether the booking's change could lower the customer's last booking or last visit (a
/// completed visit undone, a booking moved earlier): then the dates are recomputed from the
/// customer's bookings, which the caller reads once. Every other fact is O(1).
pub fn needs_history(c: &Customer, old: Option<&BookingState>, new: &BookingState) -> bool {
    old.is_some_and(|o| {
        (Some(o.start) == c.last_booking && new.start < o.start)
            || (o.status == BookingStatus::Completed
                && Some(o.start) == c.last_visit
                && (new.status != BookingStatus::Completed || new.start < o.start))
    })
}

/// The latest start of `bookings` (last booking) and of the completed ones (last visit).
pub(super) fn last_dates<'a>(
    bookings: impl IntoIterator<Item = &'a BookingState>,
) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    let (mut last_booking, mut last_visit) = (None, None);
    for b in bookings {
        last_booking = last_booking.max(Some(b.start));
        if b.status == BookingStatus::Completed {
            last_visit = last_visit.max(Some(b.start));
        }
    }
    (last_booking, last_visit)
}

/// Keeps last visit, last booking and the upcoming bookings in step with the booking's
/// change. `history`: the customer's bookings, when [`needs_history`] said so.
fn track_dates(c: &mut Customer, new: &BookingState, history: Option<&[BookingState]>) {
    if new.status == BookingStatus::Scheduled {
        c.upcoming.insert(new.booking_id.clone(), new.start);
    } else {
        c.upcoming.remove(&new.booking_id);
    }
    match history {
        Some(all) => {
            let all = all
                .iter()
                .filter(|b| b.booking_id != new.booking_id)
                .chain(std::iter::once(new));
            (c.last_booking, c.last_visit) = last_dates(all);
        }
        None => {
            c.last_booking = c.last_booking.max(Some(new.start));
            if new.status == BookingStatus::Completed {
                c.last_visit = c.last_visit.max(Some(new.start));
            }
        }
    }
}

/// Applies a booking's change to its customer at `now`: KPIs moved by the booking's change
/// of contribution, dates, the lead's first touch and contacts, classification again, and
/// the milestones reached, each awarded once. The version moves by one.
pub fn apply_booking(input: Ingest<'_>, now: DateTime<Utc>) -> BookingApplied {
    let mut c = input.customer.clone();
    c.totals.replace(input.previous, input.booking);
    track_dates(&mut c, input.booking, input.history);
    if let Some(lead) = input.lead {
        if c.source.is_none() {
            c.source = Some(lead.source);
        }
        if !c.lead_ids.contains(&lead.id) {
            c.lead_ids.push(lead.id.clone());
        }
        c.last_touch = Some(LastTouch::latest(c.last_touch.take(), lead.latest_touch()));
    }
    if let Some(phone) = &input.contact.phone {
        if !c.phones.contains(phone) {
            c.phones.push(phone.clone());
        }
    }
    if let Some(email) = &input.contact.email {
        if !c.emails.contains(email) {
            c.emails.push(email.clone());
        }
    }
    if c.name.is_empty() {
        c.name = input.contact.name.clone().unwrap_or_default();
    }
    let mut changes = reclassify(&mut c, input.thresholds, now);
    if input.is_new {
        // A new customer's first segment is no change of one.
        changes.segment = None;
    }
    let awarded: Vec<Milestone> = reached(&c.totals, c.tier, input.thresholds)
        .into_iter()
        .filter(|m| !c.milestones.contains(m))
        .collect();
    c.milestones.extend(awarded.iter().copied());
    c.next_milestone = milestone_due(&c, input.tz, now);
    c.updated_at = now;
    c.version = input.customer.version + 1;

    let booking = input.booking;
    let mut entries = vec![(
        "booking",
        format!(
            "{} {}",
            input.kind.as_str(),
            booking.service.as_deref().unwrap_or("booking")
        ),
        json!({
            "booking_id": booking.booking_id,
            "version": booking.version,
            "status": booking.status,
            "start": booking.start,
            "paid_amount": booking.paid_amount,
        }),
    )];
    entries.extend(awarded.iter().map(|m| timeline::milestone_entry(*m)));
    entries.extend(changes.entries());
    BookingApplied {
        customer: c,
        awarded,
        entries,
    }
}

/// Whether this booking converts the lead, and if so whether it is the lead's converting
/// booking (`Some(true)`) or one the fact names the lead on though another converted it
/// (`Some(false)`). `None`: leave the lead alone (another booking converted it and the fact
/// does not name it, or it is closed and this visit was not completed).
pub fn converts(lead: &Lead, booking: &BookingState, fact: &BookingFact) -> Option<bool> {
    let converting = lead
        .converted_booking_id
        .as_deref()
        .is_none_or(|b| b == booking.booking_id);
    if !converting && fact.lead_id.is_none() {
        // Another booking already converted this lead: this one is the customer's own.
        return None;
    }
    if matches!(lead.status, LeadStatus::Won | LeadStatus::Lost)
        && booking.status != BookingStatus::Completed
    {
        return None;
    }
    Some(converting)
}

/// The statuses a linked lead moves through because of its booking: booked, won when the
/// visit is completed and paid (through booked: the machine has no shortcut), back to
/// follow-up when its converting booking is cancelled or missed. Empty: it stays.
pub fn lead_moves(lead: &Lead, booking: &BookingState, converting: bool) -> Vec<LeadStatus> {
    let target = match booking.status {
        BookingStatus::Scheduled => LeadStatus::Booked,
        BookingStatus::Completed if booking.paid_amount > 0 => LeadStatus::Won,
        BookingStatus::Completed => LeadStatus::Booked,
        BookingStatus::Cancelled | BookingStatus::NoShow if converting => LeadStatus::FollowUp,
        BookingStatus::Cancelled | BookingStatus::NoShow => return Vec::new(),
    };
    if lead.status == target {
        return Vec::new();
    }
    let mut path = Vec::new();
    if target == LeadStatus::Won && lead.status != LeadStatus::Booked {
        path.push(LeadStatus::Booked);
    }
    path.push(target);
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.to_utc())
            .unwrap_or_default()
    }

    fn booking(id: &str, status: BookingStatus, start: &str, paid: i64) -> BookingState {
        BookingState {
            booking_id: id.into(),
            version: 1,
            status,
            start: at(start),
            service: Some("Massage".into()),
            staff: None,
            paid_amount: paid,
            currency: Some("EUR".into()),
        }
    }

    fn lead(status: LeadStatus) -> Lead {
        let new = crate::domain::lead::NewLead {
            name: "Ann".into(),
            phone: "+353871234567".into(),
            ..Default::default()
        };
        let mut lead = Lead::create(
            "t",
            "01J0000000000000000000000A",
            new,
            at("2026-01-01T09:00:00Z"),
        );
        lead.status = status;
        lead
    }

    #[test]
    fn a_paid_visit_wins_the_lead_through_booked_and_a_cancelled_converting_booking_sends_it_back()
    {
        let paid = booking(
            "B1",
            BookingStatus::Completed,
            "2026-01-10T10:00:00Z",
            5_000,
        );
        assert_eq!(
            lead_moves(&lead(LeadStatus::Contacted), &paid, true),
            [LeadStatus::Booked, LeadStatus::Won]
        );
        assert_eq!(
            lead_moves(&lead(LeadStatus::Booked), &paid, true),
            [LeadStatus::Won]
        );
        let unpaid = booking("B1", BookingStatus::Completed, "2026-01-10T10:00:00Z", 0);
        assert_eq!(lead_moves(&lead(LeadStatus::Booked), &unpaid, true), []);
        let cancelled = booking("B1", BookingStatus::Cancelled, "2026-01-10T10:00:00Z", 0);
        assert_eq!(
            lead_moves(&lead(LeadStatus::Booked), &cancelled, true),
            [LeadStatus::FollowUp]
        );
        assert_eq!(lead_moves(&lead(LeadStatus::Booked), &cancelled, false), []);
    }

    #[test]
    fn only_a_change_that_could_lower_a_last_date_reads_the_history() {
        let contact = Contact::default();
        let mut c = Customer::new("C".into(), "t", &contact, None, at("2026-01-01T00:00:00Z"));
        let visit = booking(
            "B1",
            BookingStatus::Completed,
            "2026-01-10T10:00:00Z",
            5_000,
        );
        c.last_visit = Some(visit.start);
        c.last_booking = Some(visit.start);
        let later = booking("B2", BookingStatus::Scheduled, "2026-02-10T10:00:00Z", 0);
        assert!(
            !needs_history(&c, None, &later),
            "a new booking only raises"
        );
        let undone = booking("B1", BookingStatus::Cancelled, "2026-01-10T10:00:00Z", 0);
        assert!(
            needs_history(&c, Some(&visit), &undone),
            "the last visit undone"
        );
        let earlier = booking(
            "B1",
            BookingStatus::Completed,
            "2026-01-05T10:00:00Z",
            5_000,
        );
        assert!(
            needs_history(&c, Some(&visit), &earlier),
            "the last booking moved earlier"
        );
    }
}
