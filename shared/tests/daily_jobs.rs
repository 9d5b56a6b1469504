//! The daily customer jobs (DESIGN §2.2, §4, §5): segment refresh and milestones act at
//! 03:00 in each tenant's zone, read only their due buckets, change nothing when run again,
//! resume after a run cut short and catch up missed days — on SQLite and on DynamoDB (moto).

mod support;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use crm_shared::domain::booking::{BookingFact, BookingKind, Contact};
use crm_shared::domain::customer::Customer;
use crm_shared::domain::customer::{JourneyStage, Milestone, Segment};
use crm_shared::domain::tenant::TenantSettings;
use crm_shared::ports::store::Store;
use crm_shared::store::customers::{self, Ingested};
use crm_shared::store::{daily, hourly, tenants};

on_both_stores!(
    "daily":
    customers_go_dormant_then_inactive_and_churned_at_03_local_in_their_own_zone,
    a_run_cut_short_resumes_without_doing_anything_twice,
    anniversaries_are_awarded_once_each_at_03_local_on_the_day,
    vip_status_is_awarded_by_the_job_once_eligible,
);

const DUBLIN: &str = "dub";
const NEW_YORK: &str = "nyc";

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .expect("time")
}

/// When the customers are made and visit: 2026-11-10 10:00 UTC.
fn t0() -> DateTime<Utc> {
    utc("2026-11-10T10:00:00Z")
}

async fn tenant(store: &dyn Store, id: &str, zone: &str) -> TenantSettings {
    let mut settings = TenantSettings::new(id, id, "IE", "https://example.com");
    settings.time_zone = zone.into();
    tenants::create(store, &settings).await.expect("tenant");
    settings
}

/// Two tenants, Dublin and New York.
async fn tenants_in_two_zones(store: &dyn Store) -> (TenantSettings, TenantSettings) {
    (
        tenant(store, DUBLIN, "Europe/Dublin").await,
        tenant(store, NEW_YORK, "America/New_York").await,
    )
}

/// A completed, paid visit `days` after t0, ingested at t0.
async fn visit(
    store: &dyn Store,
    settings: &TenantSettings,
    booking: &str,
    phone: &str,
    amount: i64,
) -> Customer {
    let fact = BookingFact {
        kind: BookingKind::BookingCompleted,
        booking_id: booking.into(),
        version: 1,
        start: t0(),
        service: Some("Massage".into()),
        staff: None,
        amount: Some(amount),
        currency: Some("EUR".into()),
        paid: Some(true),
        lead_id: None,
        source: None,
    };
    let contact = Contact {
        name: Some(format!("Customer {booking}")),
        phone: Some(phone.into()),
        email: None,
    };
    match customers::ingest(store, settings, &fact, &contact, t0())
        .await
        .expect("ingest")
    {
        Ingested::Applied { customer, .. } => *customer,
        other => panic!("a new booking: {other:?}"),
    }
}

async fn reload(store: &dyn Store, c: &Customer) -> Customer {
    customers::get(store, &c.tenant_id, &c.id)
        .await
        .expect("get")
        .expect("customer")
}

async fn refresh(store: &dyn Store, now: &str) -> daily::DailyRun<customers::Refreshed> {
    daily::segment_refresh(store, utc(now))
        .await
        .expect("segment refresh")
}

async fn award(store: &dyn Store, now: &str) -> daily::DailyRun<customers::Awarded> {
    daily::milestones(store, utc(now))
        .await
        .expect("milestones")
}

fn ids<T>(run: &daily::DailyRun<T>, id: impl Fn(&T) -> &str) -> Vec<String> {
    let mut out: Vec<String> = run.changed.iter().map(|c| id(c).to_owned()).collect();
    out.sort();
    out
}

async fn timeline_types(store: &dyn Store, c: &Customer) -> Vec<String> {
    let (entries, _) = customers::timeline_page(store, &c.tenant_id, &c.id, &[], None, 100, None)
        .await
        .expect("timeline");
    entries.into_iter().map(|e| e.kind).collect()
}

/// A visit on 2026-11-10 10:00 UTC makes its customer dormant 90 days later (2027-02-08
/// 10:00 UTC), acted on at the next 03:00 local: 03:00 UTC in Dublin, 08:00 UTC in New York.
/// Six months after the visit (2027-05-10 10:00 UTC) they go inactive and churned: at 03:00
/// summer time, 02:00 UTC in Dublin, 07:00 UTC in New York. Other customers, not due, are
/// never read; a second run in the same hour changes nothing; a run after missed days
/// catches up.
async fn customers_go_dormant_then_inactive_and_churned_at_03_local_in_their_own_zone(
    shared: Arc<dyn Store>,
) {
    let store = shared.as_ref();
    let (dub, nyc) = tenants_in_two_zones(store).await;
    let ann = visit(store, &dub, "a1", "+353871000001", 5_000).await;
    let bob = visit(store, &nyc, "b1", "+12125550101", 5_000).await;
    // Customers with nothing due for months: never read by the job.
    for i in 0..5 {
        let fact_day = t0() + Duration::days(200);
        let mut later = BookingFact {
            kind: BookingKind::BookingCompleted,
            booking_id: format!("n{i}"),
            version: 1,
            start: fact_day,
            service: Some("Facial".into()),
            staff: None,
            amount: Some(3_000),
            currency: Some("EUR".into()),
            paid: Some(true),
            lead_id: None,
            source: None,
        };
        later.start = fact_day;
        let contact = Contact {
            name: Some(format!("Not due {i}")),
            phone: Some(format!("+35387200000{i}")),
            email: None,
        };
        customers::ingest(store, &dub, &later, &contact, t0())
            .await
            .expect("ingest");
    }

    let first = refresh(store, "2027-02-09T02:30:00Z").await;
    assert!(first.changed.is_empty() && first.read == 0, "{first:?}");

    let dublin = refresh(store, "2027-02-09T03:10:00Z").await;
    assert_eq!(ids(&dublin, |r| &r.customer.id), [ann.id.as_str()]);
    assert_eq!(dublin.read, 1, "only the due customer's entry is read");
    let a = reload(store, &ann).await;
    assert!(a.auto_tags.contains("dormant"), "{:?}", a.auto_tags);
    assert_eq!(a.segment, Segment::Active);
    assert!(timeline_types(store, &a).await.contains(&"tag".to_owned()));
    assert!(!reload(store, &bob).await.auto_tags.contains("dormant"));

    let again = refresh(store, "2027-02-09T03:40:00Z").await;
    assert!(again.changed.is_empty() && again.read == 0, "{again:?}");
    assert_eq!(
        reload(store, &ann).await,
        a,
        "the second run changes nothing"
    );

    let new_york = refresh(store, "2027-02-09T08:05:00Z").await;
    assert_eq!(ids(&new_york, |r| &r.customer.id), [bob.id.as_str()]);
    assert_eq!(new_york.read, 1);
    assert!(reload(store, &bob).await.auto_tags.contains("dormant"));

    // Six months: Dublin (IST) at 02:00 UTC.
    let early = refresh(store, "2027-05-11T01:50:00Z").await;
    assert!(early.changed.is_empty(), "{early:?}");
    let churned = refresh(store, "2027-05-11T02:20:00Z").await;
    assert_eq!(ids(&churned, |r| &r.customer.id), [ann.id.as_str()]);
    let change = &churned.changed[0].changes;
    assert_eq!(change.segment, Some((Segment::Active, Segment::Inactive)));
    assert_eq!(
        change.stage,
        Some((JourneyStage::Activation, JourneyStage::Churned))
    );
    let a = reload(store, &ann).await;
    assert_eq!(
        (a.segment, a.stage),
        (Segment::Inactive, JourneyStage::Churned)
    );
    assert_eq!(a.next_change, None, "nothing more changes by time alone");
    let types = timeline_types(store, &a).await;
    assert!(types.contains(&"segment".to_owned()) && types.contains(&"stage".to_owned()));

    // No runs for two days: the next catches New York up (due 2027-05-11 07:00 UTC).
    let caught_up = refresh(store, "2027-05-13T12:00:00Z").await;
    assert_eq!(ids(&caught_up, |r| &r.customer.id), [bob.id.as_str()]);
    assert_eq!(caught_up.read, 1);
    let b = reload(store, &bob).await;
    assert_eq!(
        (b.segment, b.stage),
        (Segment::Inactive, JourneyStage::Churned)
    );
}

/// A run that timed out after refreshing one customer of an hour, before moving its
/// watermark: the next run redoes the hour, skipping the one already done.
async fn a_run_cut_short_resumes_without_doing_anything_twice(shared: Arc<dyn Store>) {
    let store = shared.as_ref();
    let (dub, _) = tenants_in_two_zones(store).await;
    let ann = visit(store, &dub, "a1", "+353871000001", 5_000).await;
    let cat = visit(store, &dub, "c1", "+353871000003", 5_000).await;
    // The run before finished every hour up to 02:00 on the due day.
    hourly::advance(store, daily::SEGMENT_REFRESH, utc("2027-02-09T02:00:00Z"))
        .await
        .expect("watermark");
    // The cut-short run did Ann, then timed out.
    let done = customers::refresh_segment(store, &dub, &ann.id, utc("2027-02-09T04:01:00Z"))
        .await
        .expect("refresh");
    assert!(done.is_some());
    let ann_done = reload(store, &ann).await;
    let resumed = refresh(store, "2027-02-09T05:02:00Z").await;
    assert_eq!(ids(&resumed, |r| &r.customer.id), [cat.id.as_str()]);
    assert_eq!(resumed.read, 1, "Ann's entry moved out of the hour");
    assert_eq!(resumed.hours, 2, "03:00 and 04:00");
    assert_eq!(
        reload(store, &ann).await,
        ann_done,
        "Ann not refreshed twice"
    );
    assert_eq!(
        hourly::watermark(store, daily::SEGMENT_REFRESH)
            .await
            .expect("watermark"),
        Some(utc("2027-02-09T04:00:00Z"))
    );
    let tags = timeline_types(store, &ann_done)
        .await
        .into_iter()
        .filter(|t| t == "tag")
        .count();
    assert_eq!(tags, 1, "one dormant entry");
}

/// Customers made on 2026-11-10 reach their first anniversary at 03:00 local on 2027-11-10
/// (03:00 UTC in Dublin, 08:00 UTC in New York) and their second a year later; each once,
/// on the timeline; then nothing is due any more.
async fn anniversaries_are_awarded_once_each_at_03_local_on_the_day(shared: Arc<dyn Store>) {
    let store = shared.as_ref();
    let (dub, nyc) = tenants_in_two_zones(store).await;
    let ann = visit(store, &dub, "a1", "+353871000001", 5_000).await;
    let bob = visit(store, &nyc, "b1", "+12125550101", 5_000).await;
    let before = award(store, "2027-11-10T02:30:00Z").await;
    assert!(before.changed.is_empty() && before.read == 0, "{before:?}");
    let dublin = award(store, "2027-11-10T03:20:00Z").await;
    assert_eq!(ids(&dublin, |a| &a.customer.id), [ann.id.as_str()]);
    assert_eq!(dublin.changed[0].milestones, [Milestone::Anniversary1]);
    assert_eq!(dublin.read, 1);
    let again = award(store, "2027-11-10T03:50:00Z").await;
    assert!(again.changed.is_empty() && again.read == 0, "{again:?}");
    let new_york = award(store, "2027-11-10T08:20:00Z").await;
    assert_eq!(ids(&new_york, |a| &a.customer.id), [bob.id.as_str()]);
    let second = award(store, "2028-11-10T08:30:00Z").await;
    assert_eq!(ids(&second, |a| &a.customer.id), {
        let mut both = vec![ann.id.clone(), bob.id.clone()];
        both.sort();
        both
    });
    assert!(second
        .changed
        .iter()
        .all(|a| a.milestones == [Milestone::Anniversary2]));
    for c in [&ann, &bob] {
        let c = reload(store, c).await;
        assert!(c.milestones.contains(&Milestone::Anniversary1));
        assert!(c.milestones.contains(&Milestone::Anniversary2));
        assert_eq!(c.next_milestone, None, "none after the second");
        let milestones = timeline_types(store, &c)
            .await
            .into_iter()
            .filter(|t| t == "milestone")
            .count();
        // first booking, first completed, and the two anniversaries
        assert_eq!(milestones, 4);
    }
    let later = award(store, "2029-11-10T08:30:00Z").await;
    assert!(later.changed.is_empty() && later.read == 0, "{later:?}");
}

/// Lifetime spend of 5,000.00 makes a customer VIP-eligible: the job awards VIP status at the
/// next 03:00 local, once, and files the first anniversary next.
async fn vip_status_is_awarded_by_the_job_once_eligible(shared: Arc<dyn Store>) {
    let store = shared.as_ref();
    let (dub, _) = tenants_in_two_zones(store).await;
    let big = visit(store, &dub, "v1", "+353871000009", 500_000).await;
    let small = visit(store, &dub, "s1", "+353871000008", 499_999).await;
    assert!(
        !big.milestones.contains(&Milestone::VipStatus),
        "not in real time"
    );
    let run = award(store, "2026-11-11T03:05:00Z").await;
    assert_eq!(ids(&run, |a| &a.customer.id), [big.id.as_str()]);
    assert_eq!(run.changed[0].milestones, [Milestone::VipStatus]);
    assert_eq!(run.read, 1, "the other customer is not due");
    let b = reload(store, &big).await;
    assert!(b.milestones.contains(&Milestone::VipStatus));
    assert_eq!(b.next_milestone, Some(utc("2027-11-10T03:00:00Z")));
    let again = award(store, "2026-11-12T03:05:00Z").await;
    assert!(again.changed.is_empty(), "{again:?}");
    assert!(!reload(store, &small)
        .await
        .milestones
        .contains(&Milestone::VipStatus));
}
