//! Two records of one person made one (DESIGN §2.2, issue 19): the kept customer takes the
//! other's contacts, profile where it has none, tags, leads and milestones; its KPIs are
//! recomputed from the booking facts both now hold (never by adding totals), and it is
//! classified again.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{milestone_due, reclassify, Customer, OpeningBalance, Thresholds};
use crate::domain::booking::{BookingState, BookingStatus, BookingTotals};

/// `kept` after taking in `removed`, with `bookings` (every booking both held, once each) as
/// its booking facts, at `now`. The version moves by one.
pub fn merged(
    kept: &Customer,
    removed: &Customer,
    bookings: &[BookingState],
    thresholds: &Thresholds,
    tz: Tz,
    now: DateTime<Utc>,
) -> Customer {
    let mut c = kept.clone();
    for phone in &removed.phones {
        if !c.phones.contains(phone) {
            c.phones.push(phone.clone());
        }
    }
    for email in &removed.emails {
        if !c.emails.contains(email) {
            c.emails.push(email.clone());
        }
    }
    for lead in &removed.lead_ids {
        if !c.lead_ids.contains(lead) {
            c.lead_ids.push(lead.clone());
        }
    }
    if c.name.trim().is_empty() {
        c.name = removed.name.clone();
    }
    // The first touch is the earlier record's.
    if removed.created_at < kept.created_at && removed.source.is_some() {
        c.source = removed.source;
    }
    c.source = c.source.or(removed.source);
    c.last_touch = match (kept.last_touch.clone(), removed.last_touch.clone()) {
        (a, Some(b)) => Some(crate::domain::source::LastTouch::latest(a, b)),
        (a, None) => a,
    };
    c.date_of_birth = c.date_of_birth.or(removed.date_of_birth);
    c.gender = c.gender.clone().or_else(|| removed.gender.clone());
    c.address = c.address.clone().or_else(|| removed.address.clone());
    c.company = c.company.clone().or_else(|| removed.company.clone());
    c.preferred_language = c
        .preferred_language
        .clone()
        .or_else(|| removed.preferred_language.clone());
    c.marketing_consent = kept.marketing_consent || removed.marketing_consent;
    c.tags.extend(removed.tags.iter().cloned());
    c.milestones.extend(removed.milestones.iter().copied());
    // Points spent by either record stay spent: the recomputed points are both records'.
    c.points_redeemed = kept.points_redeemed.saturating_add(removed.points_redeemed);
    c.review_requested_at = c.review_requested_at.max(removed.review_requested_at);
    c.member_since = c.member_since.min(removed.member_since);
    c.created_at = c.created_at.min(removed.created_at);
    c.opening = match (kept.opening, removed.opening) {
        (Some(a), Some(b)) => Some(OpeningBalance {
            visits: a.visits.saturating_add(b.visits),
            spend: a.spend.saturating_add(b.spend),
        }),
        (a, b) => a.or(b),
    };
    let mut totals = BookingTotals::default();
    c.upcoming.clear();
    for b in bookings {
        totals.add(b, 1);
        if b.status == BookingStatus::Scheduled {
            c.upcoming.insert(b.booking_id.clone(), b.start);
        }
    }
    (c.last_booking, c.last_visit) = super::booking::last_dates(bookings);
    c.totals = totals;
    reclassify(&mut c, thresholds, now);
    c.next_milestone = milestone_due(&c, tz, now);
    c.updated_at = now;
    c.version = kept.version + 1;
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::booking::Contact;

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
            service: Some("Facial".into()),
            staff: None,
            paid_amount: paid,
            currency: Some("EUR".into()),
        }
    }

    #[test]
    fn kpis_come_from_the_booking_facts_both_held_and_contacts_and_tags_are_joined() {
        let contact = |name: &str, phone: &str, email: Option<&str>| Contact {
            name: Some(name.into()),
            phone: Some(phone.into()),
            email: email.map(str::to_owned),
        };
        let mut kept = Customer::new(
            "K".into(),
            "t",
            &contact("Ann Murphy", "+353871234567", None),
            None,
            at("2026-02-01T00:00:00Z"),
        );
        kept.tags.insert("vip".into());
        // A stale total on the kept record must not survive: KPIs are recomputed.
        kept.totals.visits = 99;
        kept.version = 4;
        let mut removed = Customer::new(
            "R".into(),
            "t",
            &contact("", "+353871234599", Some("ann@x.ie")),
            None,
            at("2026-01-01T00:00:00Z"),
        );
        removed.tags.insert("facials".into());
        removed.date_of_birth = chrono::NaiveDate::from_ymd_opt(1990, 3, 14);
        let bookings = [
            booking("B1", BookingStatus::Completed, "2026-02-10T10:00:00Z", 5000),
            booking("B2", BookingStatus::Completed, "2026-03-10T10:00:00Z", 7000),
            booking("B3", BookingStatus::Scheduled, "2026-12-20T10:00:00Z", 0),
            booking("B4", BookingStatus::NoShow, "2026-04-10T10:00:00Z", 0),
        ];
        let c = merged(
            &kept,
            &removed,
            &bookings,
            &Thresholds::default(),
            chrono_tz::Europe::Dublin,
            at("2026-12-07T12:00:00Z"),
        );
        assert_eq!(
            (c.totals.visits, c.totals.bookings, c.totals.no_shows),
            (2, 4, 1)
        );
        assert_eq!(c.totals.lifetime_value, 12_000);
        assert_eq!(c.last_visit, Some(at("2026-03-10T10:00:00Z")));
        assert_eq!(c.last_booking, Some(at("2026-12-20T10:00:00Z")));
        assert_eq!(c.upcoming.len(), 1);
        assert_eq!(c.phones, ["+353871234567", "+353871234599"]);
        assert_eq!(c.emails, ["ann@x.ie"]);
        assert_eq!(c.name, "Ann Murphy");
        assert!(c.tags.contains("vip") && c.tags.contains("facials"));
        assert_eq!(c.date_of_birth, removed.date_of_birth);
        assert_eq!(
            c.created_at,
            at("2026-01-01T00:00:00Z"),
            "the earlier record's"
        );
        assert_eq!(c.version, 5);
    }
}
