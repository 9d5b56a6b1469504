//! Booking facts make customers (DESIGN §2.2, §2.3): the same rules on both adapters,
//! SQLite in memory and DynamoDB on moto.

mod support;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use crm_shared::domain::booking::Contact;
use crm_shared::domain::booking::{
    apply_fact, Applied, BookingFact, BookingKind, BookingState, BookingTotals,
};
use crm_shared::domain::customer::{Milestone, Segment};
use crm_shared::domain::lead::{Lead, LeadStatus, NewLead};
use crm_shared::domain::source::Source;
use crm_shared::domain::tenant::TenantSettings;
use crm_shared::ports::store::Store;
use crm_shared::store::customers::{self, DueKind, Ingested};
use crm_shared::store::leads::{self, Inserted};

on_both_stores!(
    "customers":
    the_first_booking_creates_the_customer_and_the_next_links_by_phone_or_email,
    kpis_equal_a_recomputation_when_facts_repeat_and_arrive_shuffled,
    a_booking_converts_the_open_lead_with_that_phone_to_booked_then_won,
    a_cancelled_converting_booking_sends_the_lead_back_to_follow_up,
    milestones_are_awarded_once_and_put_on_the_timeline,
    each_customer_is_due_on_the_day_time_alone_changes_them,
    partial_matches_become_pending_pairs_and_exact_ones_link,
);

const T: &str = "acme";

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-10T10:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .expect("time")
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .expect("time")
}

fn fact(kind: BookingKind, id: &str, version: u64, days: i64, amount: Option<i64>) -> BookingFact {
    BookingFact {
        kind,
        booking_id: id.into(),
        version,
        start: t0() + Duration::days(days),
        service: Some(
            if id.ends_with('s') {
                "Spa day"
            } else {
                "Massage"
            }
            .into(),
        ),
        staff: None,
        amount,
        currency: amount.map(|_| "EUR".into()),
        paid: amount.map(|_| true),
        lead_id: None,
        source: None,
    }
}

fn ann() -> Contact {
    Contact {
        name: Some("Ann Murphy".into()),
        phone: Some("+353871234567".into()),
        email: Some("ann@example.ie".into()),
    }
}

async fn ingest(store: &dyn Store, f: &BookingFact, c: &Contact) -> Ingested {
    customers::ingest(store, &settings(), f, c, t0())
        .await
        .expect("ingest")
}

fn settings() -> TenantSettings {
    TenantSettings::new(T, "Acme", "IE", "https://acme.example")
}

fn customer_id(i: &Ingested) -> String {
    match i {
        Ingested::Applied { customer, .. } => customer.id.clone(),
        Ingested::AlreadyApplied { customer_id } => customer_id.clone(),
    }
}

async fn capture(store: &dyn Store, phone: &str) -> Lead {
    let at = t0() - Duration::days(3);
    let lead = Lead::create(
        T,
        &ulid::Ulid::from_datetime(at.into()).to_string(),
        NewLead {
            name: "Ann Murphy".into(),
            phone: phone.into(),
            phone_raw: phone.into(),
            source: Some(Source::MetaAd),
            ..NewLead::default()
        },
        at,
    );
    match leads::insert(store, &lead, 48, 24, at)
        .await
        .expect("insert")
    {
        Inserted::Created => lead,
        Inserted::Duplicate { .. } => panic!("fresh phone"),
    }
}

async fn the_first_booking_creates_the_customer_and_the_next_links_by_phone_or_email(
    store: Arc<dyn Store>,
) {
    let first = ingest(
        &*store,
        &fact(BookingKind::BookingCreated, "b1", 1, 1, None),
        &ann(),
    )
    .await;
    let id = customer_id(&first);
    let by_phone = Contact {
        email: None,
        ..ann()
    };
    let by_email = Contact {
        phone: Some("+353879999999".into()),
        ..ann()
    };
    let second = ingest(
        &*store,
        &fact(BookingKind::BookingCreated, "b2", 1, 2, None),
        &by_phone,
    )
    .await;
    let third = ingest(
        &*store,
        &fact(BookingKind::BookingCreated, "b3", 1, 3, None),
        &by_email,
    )
    .await;
    assert_eq!(customer_id(&second), id, "same phone, same customer");
    assert_eq!(customer_id(&third), id, "same email, same customer");
    let customer = customers::get(&*store, T, &id)
        .await
        .expect("get")
        .expect("customer exists");
    assert_eq!(customer.name, "Ann Murphy");
    assert_eq!(customer.totals.bookings, 3);
    assert_eq!(
        customer.phones,
        vec!["+353871234567".to_owned(), "+353879999999".to_owned()]
    );
    let stranger = Contact {
        name: Some("Bea".into()),
        phone: Some("+353861111111".into()),
        email: None,
    };
    let other = ingest(
        &*store,
        &fact(BookingKind::BookingCreated, "b4", 1, 1, None),
        &stranger,
    )
    .await;
    assert_ne!(
        customer_id(&other),
        id,
        "a new phone and email make a new customer"
    );
    let no_contact = customers::ingest(
        &*store,
        &settings(),
        &fact(BookingKind::BookingCreated, "b5", 1, 1, None),
        &Contact::default(),
        t0(),
    )
    .await;
    assert!(matches!(no_contact, Err(customers::IngestError::NoContact)));
}

/// Every fact delivered twice, in a shuffled order: the KPIs equal the sums over each
/// booking's highest version, computed from scratch.
async fn kpis_equal_a_recomputation_when_facts_repeat_and_arrive_shuffled(store: Arc<dyn Store>) {
    use BookingKind::*;
    let facts = vec![
        fact(BookingCreated, "k1", 1, -40, None),
        fact(BookingCompleted, "k1", 2, -40, Some(6000)),
        fact(BookingCreated, "k2", 1, -20, None),
        fact(BookingRescheduled, "k2", 2, -18, None),
        fact(BookingNoShow, "k2", 3, -18, None),
        fact(BookingCreated, "k3s", 1, -10, None),
        fact(BookingCompleted, "k3s", 2, -10, Some(12000)),
        fact(BookingCreated, "k4", 1, 5, None),
        fact(BookingCancelled, "k4", 2, 5, None),
        fact(BookingCreated, "k5s", 1, 9, None),
        fact(BookingCreated, "k6", 1, -5, None),
        fact(BookingCompleted, "k6", 2, -5, Some(4000)),
        fact(BookingNoShow, "k6", 3, -5, None),
    ];
    // Expected: fold each booking's facts in version order, then sum.
    let mut latest: std::collections::BTreeMap<String, BookingState> = Default::default();
    let mut ordered = facts.clone();
    ordered.sort_by_key(|f| (f.booking_id.clone(), f.version));
    for f in &ordered {
        if let Applied::Changed(s) = apply_fact(latest.get(&f.booking_id), f) {
            latest.insert(f.booking_id.clone(), s);
        }
    }
    let mut expected = BookingTotals::default();
    for s in latest.values() {
        expected.add(s, 1);
    }
    // Delivered: every fact twice, in a fixed shuffle (a permutation that reverses versions).
    let mut delivered: Vec<BookingFact> = facts.iter().chain(facts.iter()).cloned().collect();
    let n = delivered.len();
    let mut shuffled = Vec::with_capacity(n);
    for i in 0..n {
        shuffled.push(delivered[(i * 7 + 3) % n].clone());
    }
    delivered = shuffled;
    let mut id = None;
    for f in &delivered {
        let r = ingest(&*store, f, &ann()).await;
        let cid = customer_id(&r);
        assert!(id.get_or_insert(cid.clone()) == &cid, "one customer");
    }
    let customer = customers::get(&*store, T, &id.expect("ingested"))
        .await
        .expect("get")
        .expect("customer");
    assert_eq!(customer.totals, expected);
    assert_eq!(customer.totals.visits, 2);
    assert_eq!(customer.totals.lifetime_value, 18000);
    assert_eq!(customer.totals.no_shows, 2);
    assert_eq!(customer.totals.cancellations, 1);
    assert_eq!(customer.last_visit, Some(t0() - Duration::days(10)));
    assert_eq!(customer.next_booking(t0()), Some(t0() + Duration::days(9)));
    assert_eq!(customer.totals.most_booked_service(), Some("Massage"));
    assert_eq!(customer.points, 180, "one point per euro paid");
    assert_eq!(customer.segment, Segment::Active);
    assert!(
        customer.at_risk,
        "6 bookings, 3 of them no-shows or cancelled"
    );
    assert_eq!(
        customer.stage_history.last().map(|s| s.stage),
        Some(customer.stage),
        "the stage's history ends in the current stage"
    );
    assert!(
        customer.stage_history.len() >= 2,
        "{:?}",
        customer.stage_history
    );
    assert!(customer.auto_tags.is_empty() || !customer.auto_tags.contains("vip"));
}

async fn a_booking_converts_the_open_lead_with_that_phone_to_booked_then_won(
    store: Arc<dyn Store>,
) {
    let lead = capture(&*store, "+353871234567").await;
    let created = ingest(
        &*store,
        &fact(BookingKind::BookingCreated, "c1", 1, 1, None),
        &ann(),
    )
    .await;
    let Ingested::Applied {
        customer,
        lead: moved,
        ..
    } = created
    else {
        panic!("applied")
    };
    assert_eq!(moved, Some((lead.id.clone(), LeadStatus::Booked)));
    assert_eq!(
        customer.source,
        Some(Source::MetaAd),
        "first touch from the lead"
    );
    let stored = leads::get(&*store, T, &lead.id)
        .await
        .expect("get")
        .expect("lead");
    assert_eq!(stored.status, LeadStatus::Booked);
    assert_eq!(stored.customer_id.as_deref(), Some(customer.id.as_str()));
    assert_eq!(stored.converted_booking_id.as_deref(), Some("c1"));
    ingest(
        &*store,
        &fact(BookingKind::BookingCompleted, "c1", 2, 1, Some(5000)),
        &ann(),
    )
    .await;
    let won = leads::get(&*store, T, &lead.id)
        .await
        .expect("get")
        .expect("lead");
    assert_eq!(won.status, LeadStatus::Won);
    let detail = leads::detail(&*store, T, &lead.id)
        .await
        .expect("detail")
        .expect("lead");
    assert!(
        detail.events.iter().all(|e| e.actor == "system"),
        "status events by system"
    );
}

async fn a_cancelled_converting_booking_sends_the_lead_back_to_follow_up(store: Arc<dyn Store>) {
    let lead = capture(&*store, "+353871234567").await;
    let mut f = fact(BookingKind::BookingCreated, "x1", 1, 2, None);
    f.lead_id = Some(lead.id.clone());
    let by_lead = Contact::default();
    ingest(&*store, &f, &by_lead).await;
    let mut cancel = fact(BookingKind::BookingCancelled, "x1", 2, 2, None);
    cancel.lead_id = Some(lead.id.clone());
    ingest(&*store, &cancel, &by_lead).await;
    let back = leads::get(&*store, T, &lead.id)
        .await
        .expect("get")
        .expect("lead");
    assert_eq!(back.status, LeadStatus::FollowUp);
}

async fn milestones_are_awarded_once_and_put_on_the_timeline(store: Arc<dyn Store>) {
    let mut id = String::new();
    let mut awarded = Vec::new();
    for v in 0..3 {
        let b = format!("m{v}");
        ingest(
            &*store,
            &fact(BookingKind::BookingCreated, &b, 1, -30 + v, None),
            &ann(),
        )
        .await;
        let r = ingest(
            &*store,
            &fact(BookingKind::BookingCompleted, &b, 2, -30 + v, Some(20000)),
            &ann(),
        )
        .await;
        // Again: already applied, awards nothing.
        let again = ingest(
            &*store,
            &fact(BookingKind::BookingCompleted, &b, 2, -30 + v, Some(20000)),
            &ann(),
        )
        .await;
        assert!(matches!(again, Ingested::AlreadyApplied { .. }));
        if let Ingested::Applied {
            customer,
            milestones,
            ..
        } = r
        {
            id = customer.id.clone();
            awarded.extend(milestones);
        }
    }
    assert_eq!(
        awarded,
        vec![
            Milestone::FirstCompleted,
            Milestone::RepeatCustomer,
            Milestone::HighValue,
            // 500.00 paid is 500 points: silver.
            Milestone::TierSilver
        ]
    );
    let (timeline, _) = customers::timeline_page(&*store, T, &id, &[], None, 100, None)
        .await
        .expect("timeline");
    let milestones: Vec<&str> = timeline
        .iter()
        .filter(|e| e.kind == "milestone")
        .map(|e| e.text.as_str())
        .collect();
    assert_eq!(
        milestones.len(),
        5,
        "first booking, first completed, repeat, high value, silver tier: {milestones:?}"
    );
    assert!(
        timeline.windows(2).all(|w| w[0].id >= w[1].id),
        "newest first"
    );
}

/// A visit makes the customer due (dormant) 90 days later, filed under the hour of the first
/// 03:00 in the tenant's zone after it; a later visit moves it.
async fn each_customer_is_due_on_the_day_time_alone_changes_them(store: Arc<dyn Store>) {
    let visit = |b: &str, days: i64| {
        let mut f = fact(BookingKind::BookingCompleted, b, 1, days, Some(1000));
        f.service = Some("Massage".into());
        f
    };
    let first = ingest(&*store, &visit("d1", -10), &ann()).await;
    let id = customer_id(&first);
    // Dormant at 2027-01-29T10:00Z; Dublin is on UTC in winter: 03:00 next morning.
    let due_hour = utc("2027-01-30T03:00:00Z");
    let due = customers::due_in(&*store, DueKind::Segment, due_hour)
        .await
        .expect("due");
    assert_eq!(due.len(), 1, "{due:?}");
    assert_eq!(
        (due[0].tenant_id.as_str(), due[0].customer_id.as_str()),
        (T, id.as_str())
    );
    ingest(&*store, &visit("d2", -2), &ann()).await;
    let old = customers::due_in(&*store, DueKind::Segment, due_hour)
        .await
        .expect("due");
    assert!(old.is_empty(), "moved off the old day: {old:?}");
    let new = customers::due_in(&*store, DueKind::Segment, utc("2027-02-07T03:00:00Z"))
        .await
        .expect("due");
    assert_eq!(new.len(), 1);
}

/// Same name with a phone differing in its last two digits, or the same email local part at
/// another domain: a pending pair each. An exact phone links instead, and strangers pair
/// with nobody.
async fn partial_matches_become_pending_pairs_and_exact_ones_link(store: Arc<dyn Store>) {
    let first = ingest(
        &*store,
        &fact(BookingKind::BookingCreated, "p1", 1, 1, None),
        &ann(),
    )
    .await;
    let ann_id = customer_id(&first);
    let near_phone = Contact {
        name: Some("Ann Murphy".into()),
        phone: Some("+353871234599".into()),
        email: None,
    };
    let second = ingest(
        &*store,
        &fact(BookingKind::BookingCreated, "p2", 1, 1, None),
        &near_phone,
    )
    .await;
    let other_domain = Contact {
        name: Some("A. Murphy".into()),
        phone: Some("+353861112223".into()),
        email: Some("ann@gmail.com".into()),
    };
    let third = ingest(
        &*store,
        &fact(BookingKind::BookingCreated, "p3", 1, 1, None),
        &other_domain,
    )
    .await;
    let stranger = Contact {
        name: Some("Bea Stranger".into()),
        phone: Some("+353857654321".into()),
        email: Some("bea@example.ie".into()),
    };
    ingest(
        &*store,
        &fact(BookingKind::BookingCreated, "p4", 1, 1, None),
        &stranger,
    )
    .await;
    let exact = ingest(
        &*store,
        &fact(BookingKind::BookingCreated, "p5", 1, 1, None),
        &ann(),
    )
    .await;
    assert_eq!(customer_id(&exact), ann_id, "an exact match links");
    let pairs = customers::pairs(&*store, T, 100).await.expect("pairs");
    let mut got: Vec<(String, String, String)> = pairs
        .iter()
        .map(|p| {
            (
                p.existing_id.clone(),
                p.new_id.clone(),
                p.reasons.join("; "),
            )
        })
        .collect();
    got.sort();
    let mut want = vec![
        (
            ann_id.clone(),
            customer_id(&second),
            "same name, phone differs in the last digits".to_owned(),
        ),
        (
            ann_id.clone(),
            customer_id(&third),
            "same email local part".to_owned(),
        ),
    ];
    want.sort();
    assert_eq!(got, want);
    assert!(pairs
        .iter()
        .all(|p| p.status == "pending" && p.score >= 0.75));
    // Deleting a customer takes their pairs with them.
    customers::delete(&*store, T, &customer_id(&second))
        .await
        .expect("delete");
    let left = customers::pairs(&*store, T, 100).await.expect("pairs");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].new_id, customer_id(&third));
}
