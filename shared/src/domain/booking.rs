//! Booking facts from the business's booking system (DESIGN §2.3) and what each booking
//! contributes to a customer's KPIs.
//!
//! Facts are idempotent per (booking id, event version) and may arrive in any order: a
//! booking's state is the state of the highest version seen, and a customer's KPIs are the
//! sum of their bookings' contributions. Applying a fact subtracts the booking's old
//! contribution and adds its new one, so KPIs always equal a recomputation from scratch.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What happened to a booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BookingKind {
    BookingCreated,
    BookingRescheduled,
    BookingCompleted,
    BookingCancelled,
    BookingNoShow,
}

impl BookingKind {
    pub const ALL: [BookingKind; 5] = [
        BookingKind::BookingCreated,
        BookingKind::BookingRescheduled,
        BookingKind::BookingCompleted,
        BookingKind::BookingCancelled,
        BookingKind::BookingNoShow,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BookingKind::BookingCreated => "BookingCreated",
            BookingKind::BookingRescheduled => "BookingRescheduled",
            BookingKind::BookingCompleted => "BookingCompleted",
            BookingKind::BookingCancelled => "BookingCancelled",
            BookingKind::BookingNoShow => "BookingNoShow",
        }
    }

    pub fn parse(text: &str) -> Option<BookingKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// A booking's status after its latest fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    Scheduled,
    Completed,
    Cancelled,
    NoShow,
}

/// One fact as the booking system reports it. Money in minor units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BookingFact {
    pub kind: BookingKind,
    pub booking_id: String,
    /// Increases with every change of the booking; orders facts that arrive out of order.
    pub version: u64,
    pub start: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_id: Option<String>,
    /// How the client came, as the booking system knows it (`walk_in`, `referral`…): the
    /// acquisition source of a customer this booking makes without a lead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<crate::domain::source::Source>,
}

/// A booking as we hold it: the state of its highest version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BookingState {
    pub booking_id: String,
    pub version: u64,
    pub status: BookingStatus,
    pub start: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub staff: Option<String>,
    /// Paid amount of a completed booking (0 otherwise), minor units.
    #[serde(default)]
    #[schema(required)]
    pub paid_amount: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub currency: Option<String>,
}

/// What a fact does to the booking it names.
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    /// A version we already hold, or an older one: nothing changes.
    Ignored,
    /// The booking's new state.
    Changed(BookingState),
}

/// The booking after `fact`, given what we hold (`None`: never seen).
pub fn apply_fact(current: Option<&BookingState>, fact: &BookingFact) -> Applied {
    if current.is_some_and(|c| c.version >= fact.version) {
        return Applied::Ignored;
    }
    let status = match fact.kind {
        BookingKind::BookingCreated | BookingKind::BookingRescheduled => BookingStatus::Scheduled,
        BookingKind::BookingCompleted => BookingStatus::Completed,
        BookingKind::BookingCancelled => BookingStatus::Cancelled,
        BookingKind::BookingNoShow => BookingStatus::NoShow,
    };
    let paid_amount = match (status, fact.paid) {
        (BookingStatus::Completed, Some(true) | None) => fact.amount.unwrap_or(0).max(0),
        _ => 0,
    };
    Applied::Changed(BookingState {
        booking_id: fact.booking_id.clone(),
        version: fact.version,
        status,
        start: fact.start,
        service: fact
            .service
            .clone()
            .or_else(|| current.and_then(|c| c.service.clone())),
        staff: fact
            .staff
            .clone()
            .or_else(|| current.and_then(|c| c.staff.clone())),
        paid_amount,
        currency: fact
            .currency
            .clone()
            .or_else(|| current.and_then(|c| c.currency.clone())),
    })
}

/// The additive part of a customer's KPIs: sums over their bookings' contributions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BookingTotals {
    pub bookings: i64,
    /// Completed bookings.
    pub visits: i64,
    /// Sum paid, minor units.
    pub lifetime_value: i64,
    pub no_shows: i64,
    pub cancellations: i64,
    /// Bookings per service (every booking counts, whatever its status).
    #[serde(default)]
    #[schema(required)]
    pub services: BTreeMap<String, i64>,
}

impl BookingTotals {
    /// Adds (`sign` 1) or removes (`sign` -1) one booking's contribution.
    pub fn add(&mut self, booking: &BookingState, sign: i64) {
        self.bookings += sign;
        match booking.status {
            BookingStatus::Completed => {
                self.visits += sign;
                self.lifetime_value += sign * booking.paid_amount;
            }
            BookingStatus::NoShow => self.no_shows += sign,
            BookingStatus::Cancelled => self.cancellations += sign,
            BookingStatus::Scheduled => {}
        }
        if let Some(service) = &booking.service {
            let n = self.services.entry(service.clone()).or_default();
            *n += sign;
            if *n == 0 {
                self.services.remove(service);
            }
        }
    }

    /// Replaces `old` by `new` in the sums.
    pub fn replace(&mut self, old: Option<&BookingState>, new: &BookingState) {
        if let Some(old) = old {
            self.add(old, -1);
        }
        self.add(new, 1);
    }

    /// Average paid per completed visit, minor units (0 before the first visit).
    pub fn average_spend(&self) -> i64 {
        if self.visits > 0 {
            self.lifetime_value / self.visits
        } else {
            0
        }
    }

    /// Completed ÷ (completed + no-shows + cancellations), 0–1; `None` before any outcome.
    pub fn completion_rate(&self) -> Option<f64> {
        let outcomes = self.visits + self.no_shows + self.cancellations;
        (outcomes > 0).then(|| (self.visits as f64 / outcomes as f64 * 10_000.0).round() / 10_000.0)
    }

    /// The service booked most (ties: the alphabetically first).
    pub fn most_booked_service(&self) -> Option<&str> {
        self.services
            .iter()
            .filter(|(_, n)| **n > 0)
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
            .map(|(s, _)| s.as_str())
    }
}

/// Who a booking is for, as the booking system reports it (phone E.164, email lowercased).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Contact {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// The fields a booking fact may carry on the wire (webhook body, EventBridge detail).
pub const FACT_FIELDS: &[&str] = &[
    "type",
    "booking_id",
    "version",
    "start",
    "service",
    "staff",
    "amount",
    "currency",
    "paid",
    "lead_id",
    "source",
    "customer",
    "tenant_id",
];

/// Reads a booking fact: `type` (or the EventBridge detail-type as `kind`), `booking_id`,
/// `version` ≥ 1, `start` (RFC 3339), optional `service`, `staff`, `amount` (minor units),
/// `currency`, `paid`, `lead_id`, `source`, and `customer` `{name, phone, email}` (phone read in
/// `region`). Every bad field is named.
pub fn read_fact(
    input: &serde_json::Map<String, serde_json::Value>,
    kind: Option<BookingKind>,
    region: &str,
) -> Result<(BookingFact, Contact), Vec<crate::domain::validation::FieldError>> {
    use serde_json::Value;
    let mut f = crate::domain::validation::Fields::default();
    f.reject_unknown(input, FACT_FIELDS);
    let kind = match (kind, f.text(input, "type", 40, false)) {
        (Some(k), _) => Some(k),
        (None, Some(t)) => {
            let k = BookingKind::parse(&t);
            if k.is_none() {
                f.error("type", "is not one of BookingCreated, BookingRescheduled, BookingCompleted, BookingCancelled, BookingNoShow");
            }
            k
        }
        (None, None) => {
            f.error("type", "is required");
            None
        }
    };
    let booking_id = f.required_text(input, "booking_id", 100);
    if booking_id.as_deref().is_some_and(|b| b.contains('#')) {
        f.error("booking_id", "must not contain #");
    }
    let version = match input.get("version") {
        Some(Value::Number(n)) => match n.as_u64() {
            Some(v) if v >= 1 => Some(v),
            _ => {
                f.error("version", "must be a whole number ≥ 1");
                None
            }
        },
        None | Some(Value::Null) => {
            f.error("version", "is required");
            None
        }
        Some(_) => {
            f.error("version", "must be a whole number ≥ 1");
            None
        }
    };
    let start = match f.required_text(input, "start", 40) {
        Some(t) => match DateTime::parse_from_rfc3339(&t) {
            Ok(d) => Some(d.with_timezone(&Utc)),
            Err(_) => {
                f.error("start", "must be an RFC 3339 date-time");
                None
            }
        },
        None => None,
    };
    let service = f.text(input, "service", 100, false);
    let staff = f.text(input, "staff", 100, false);
    let amount = match input.get("amount") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => match n.as_i64() {
            Some(a) if a >= 0 => Some(a),
            _ => {
                f.error("amount", "must be a whole number of minor units ≥ 0");
                None
            }
        },
        Some(_) => {
            f.error("amount", "must be a whole number of minor units ≥ 0");
            None
        }
    };
    let currency = f
        .text(input, "currency", 3, false)
        .map(|c| c.to_ascii_uppercase());
    if currency
        .as_deref()
        .is_some_and(|c| c.len() != 3 || !c.bytes().all(|b| b.is_ascii_alphabetic()))
    {
        f.error("currency", "must be an ISO 4217 code such as EUR");
    }
    let paid = f.flag(input, "paid");
    let lead_id = f.text(input, "lead_id", 40, false);
    let source = f.text(input, "source", 40, false).and_then(|s| {
        let parsed = crate::domain::source::Source::parse(&s);
        if parsed.is_none() {
            f.error(
                "source",
                "is not a known source (walk_in, referral, organic…)",
            );
        }
        parsed
    });
    let contact = match input.get("customer") {
        None | Some(Value::Null) => Contact::default(),
        Some(Value::Object(c)) => {
            let mut inner = crate::domain::validation::Fields::default();
            inner.reject_unknown(c, &["name", "phone", "email"]);
            let name = inner.text(c, "name", 200, false);
            let email = inner.email(c, "email");
            let phone = inner.text(c, "phone", 32, false).and_then(|raw| {
                match crate::domain::phone::normalize(&raw, region) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        inner.error("phone", e.to_string());
                        None
                    }
                }
            });
            for e in inner.errors {
                f.error(&format!("customer.{}", e.field), e.reason);
            }
            Contact { name, phone, email }
        }
        Some(_) => {
            f.error("customer", "must be an object with name, phone, email");
            Contact::default()
        }
    };
    if lead_id.is_none()
        && contact.phone.is_none()
        && contact.email.is_none()
        && f.errors.is_empty()
    {
        f.error("customer", "needs a phone or an email (or give lead_id)");
    }
    match (kind, booking_id, version, start) {
        (Some(kind), Some(booking_id), Some(version), Some(start)) => f.finish((
            BookingFact {
                kind,
                booking_id,
                version,
                start,
                service,
                staff,
                amount,
                currency,
                paid,
                lead_id,
                source,
            },
            contact,
        )),
        _ => Err(f.errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(&format!("2026-03-{day:02}T10:00:00Z"))
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn fact(kind: BookingKind, id: &str, version: u64, amount: Option<i64>) -> BookingFact {
        BookingFact {
            kind,
            booking_id: id.into(),
            version,
            start: at(version as u32 + 1),
            service: Some("Massage".into()),
            staff: None,
            amount,
            currency: Some("EUR".into()),
            paid: amount.map(|_| true),
            lead_id: None,
            source: None,
        }
    }

    /// Applies facts in the given order, keeping booking states and totals incrementally.
    fn run(facts: &[BookingFact]) -> (BTreeMap<String, BookingState>, BookingTotals) {
        let mut states: BTreeMap<String, BookingState> = BTreeMap::new();
        let mut totals = BookingTotals::default();
        for f in facts {
            if let Applied::Changed(new) = apply_fact(states.get(&f.booking_id), f) {
                totals.replace(states.get(&f.booking_id), &new);
                states.insert(f.booking_id.clone(), new);
            }
        }
        (states, totals)
    }

    fn from_scratch(states: &BTreeMap<String, BookingState>) -> BookingTotals {
        let mut t = BookingTotals::default();
        for s in states.values() {
            t.add(s, 1);
        }
        t
    }

    #[test]
    fn duplicated_and_shuffled_facts_give_the_same_totals_as_a_recomputation() {
        use BookingKind::*;
        let facts = vec![
            fact(BookingCreated, "a", 1, None),
            fact(BookingCompleted, "a", 2, Some(6000)),
            fact(BookingCreated, "b", 1, None),
            fact(BookingNoShow, "b", 2, None),
            fact(BookingCreated, "c", 1, None),
            fact(BookingRescheduled, "c", 2, None),
            fact(BookingCancelled, "c", 3, None),
            fact(BookingCreated, "d", 1, None),
            fact(BookingCompleted, "d", 2, Some(4000)),
        ];
        let (in_order, expected) = run(&facts);
        assert_eq!(expected, from_scratch(&in_order));
        assert_eq!(expected.visits, 2);
        assert_eq!(expected.lifetime_value, 10_000);
        assert_eq!(expected.no_shows, 1);
        assert_eq!(expected.cancellations, 1);
        assert_eq!(expected.bookings, 4);
        // Every fact twice, in several shuffled orders (a fixed permutation family).
        let doubled: Vec<BookingFact> = facts.iter().chain(facts.iter()).cloned().collect();
        for seed in 1..50usize {
            let mut order = doubled.clone();
            let n = order.len();
            for i in 0..n {
                order.swap(i, (i * 7 + seed * 13) % n);
            }
            let (states, totals) = run(&order);
            assert_eq!(totals, expected, "order {seed}");
            assert_eq!(states, in_order, "order {seed}");
        }
    }

    #[test]
    fn an_unpaid_completion_adds_a_visit_but_no_value() {
        let mut f = fact(BookingKind::BookingCompleted, "a", 1, Some(5000));
        f.paid = Some(false);
        let (_, t) = run(&[f]);
        assert_eq!((t.visits, t.lifetime_value), (1, 0));
    }

    #[test]
    fn derived_figures() {
        let (_, t) = run(&[
            fact(BookingKind::BookingCompleted, "a", 1, Some(6000)),
            fact(BookingKind::BookingCompleted, "b", 1, Some(3000)),
            fact(BookingKind::BookingNoShow, "c", 1, None),
        ]);
        assert_eq!(t.average_spend(), 4500);
        assert_eq!(t.completion_rate(), Some(0.6667));
        assert_eq!(t.most_booked_service(), Some("Massage"));
        assert_eq!(BookingTotals::default().completion_rate(), None);
    }

    #[test]
    fn kinds_round_trip() {
        for k in BookingKind::ALL {
            assert_eq!(BookingKind::parse(k.as_str()), Some(k));
        }
    }
}
