//! The lead access patterns (capture with its phone claim, status changes, counting, lists)
//! behave the same on both adapters: SQLite in memory and DynamoDB on moto.

mod support;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use crm_shared::domain::lead::{Lead, LeadStatus, NewLead, TransitionError};
use crm_shared::domain::source::Source;
use crm_shared::domain::tenant::TenantSettings;
use crm_shared::ports::store::{Item, Store, Write, PK, SK};
use crm_shared::store::leads::{self, Inserted, LeadWriteError, ListFilter, StatusChange};
use crm_shared::store::{keys, stale, stats, tenants};

on_both_stores!(
    "leads":
    same_phone_within_the_window_returns_the_first_lead,
    same_phone_after_the_window_creates_a_new_lead,
    concurrent_captures_of_one_phone_create_exactly_one_lead,
    a_claim_whose_lead_was_never_written_is_taken_over_by_the_next_capture,
    a_claim_made_while_counting_is_given_up_without_touching_anyone_elses,
    status_change_writes_the_event_and_bumps_the_version,
    stale_version_and_refused_transitions_write_nothing,
    counting_is_exact_before_and_after_the_job_and_never_twice,
    concurrent_counting_runs_count_each_lead_once,
    a_count_run_costs_one_plain_write_per_month,
    list_pages_newest_first_and_filters,
    a_note_needs_an_existing_lead,
    the_stale_job_flags_open_leads_once_after_their_hour_and_catches_up,
);

const T: &str = "acme";

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-10T10:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .expect("time")
}

fn lead_at(phone: &str, source: Source, at: DateTime<Utc>, value: i64) -> Lead {
    let id = ulid::Ulid::from_datetime(at.into()).to_string();
    Lead::create(
        T,
        &id,
        NewLead {
            name: format!("Person {phone}"),
            phone: phone.to_owned(),
            phone_raw: phone.to_owned(),
            source: Some(source),
            expected_value: value,
            ..NewLead::default()
        },
        at,
    )
}

async fn insert(store: &dyn Store, lead: &Lead, at: DateTime<Utc>) -> Inserted {
    leads::insert(store, lead, 48, 24, at)
        .await
        .expect("insert")
}

async fn with_tenant(store: &dyn Store) {
    tenants::create(
        store,
        &TenantSettings::new(T, "Acme", "IE", "https://book.example/acme"),
    )
    .await
    .expect("tenant");
}

async fn same_phone_within_the_window_returns_the_first_lead(shared: Arc<dyn Store>) {
    let store = shared.as_ref();
    let first = lead_at("+353871000001", Source::MetaAd, t0(), 0);
    assert_eq!(insert(store, &first, t0()).await, Inserted::Created);
    let later = t0() + Duration::hours(23);
    let second = lead_at("+353871000001", Source::Website, later, 0);
    assert_eq!(
        insert(store, &second, later).await,
        Inserted::Duplicate {
            existing_id: first.id.clone()
        }
    );
    assert!(leads::get(store, T, &second.id)
        .await
        .expect("get")
        .is_none());
}

async fn same_phone_after_the_window_creates_a_new_lead(shared: Arc<dyn Store>) {
    let store = shared.as_ref();
    let first = lead_at("+353871000002", Source::MetaAd, t0(), 0);
    insert(store, &first, t0()).await;
    let later = t0() + Duration::hours(25);
    let second = lead_at("+353871000002", Source::MetaAd, later, 0);
    assert_eq!(insert(store, &second, later).await, Inserted::Created);
    assert!(leads::get(store, T, &second.id)
        .await
        .expect("get")
        .is_some());
}

async fn concurrent_captures_of_one_phone_create_exactly_one_lead(shared: Arc<dyn Store>) {
    let store = shared.as_ref();
    let mut tasks = Vec::new();
    for i in 0..12 {
        let at = t0() + Duration::milliseconds(i);
        let shared = Arc::clone(&shared);
        tasks.push(tokio::spawn(async move {
            let lead = lead_at("+353871000003", Source::MetaAd, at, 0);
            let outcome = insert(shared.as_ref(), &lead, at).await;
            (lead.id, outcome)
        }));
    }
    let mut created = Vec::new();
    let mut duplicates_of = Vec::new();
    for task in tasks {
        match task.await.expect("task") {
            (id, Inserted::Created) => created.push(id),
            (_, Inserted::Duplicate { existing_id }) => duplicates_of.push(existing_id),
        }
    }
    assert_eq!(created.len(), 1, "exactly one capture creates the lead");
    assert!(duplicates_of.iter().all(|d| *d == created[0]));
    let (all, _) = leads::list(store, T, &ListFilter::default(), 100, None)
        .await
        .expect("list");
    assert_eq!(all.len(), 1);
}

/// The claim a capture that died between its two writes leaves: naming a lead that does not
/// exist, `age` old, its window still open.
async fn orphan_claim(store: &dyn Store, phone: &str, age: Duration) -> String {
    let claimed = t0() - age;
    let ghost = ulid::Ulid::from_datetime(claimed.into()).to_string();
    let key = keys::phone_claim(T, phone);
    let mut item = Item::new();
    item.insert(PK.into(), key.pk.into());
    item.insert(SK.into(), key.sk.into());
    item.insert("lead_id".into(), ghost.clone().into());
    item.insert(
        "window_ends_ms".into(),
        (claimed + Duration::hours(24)).timestamp_millis().into(),
    );
    item.insert("claimed_ms".into(), claimed.timestamp_millis().into());
    store.write(Write::put(item)).await.expect("claim");
    ghost
}

async fn claim_holder(store: &dyn Store, phone: &str) -> Option<String> {
    store
        .get(&keys::phone_claim(T, phone))
        .await
        .expect("claim")
        .and_then(|c| c.get("lead_id").and_then(|v| v.as_str()).map(str::to_owned))
}

/// The capture claims a phone while its rate limit is counted (`claim_if_unheld`): a new
/// phone is claimed and, refused, given up with no trace; a phone with a claim (in its
/// window or long after it) is never claimed this way, so a refused capture cannot take the
/// "latest lead of this phone" from the lead that has it.
async fn a_claim_made_while_counting_is_given_up_without_touching_anyone_elses(
    shared: Arc<dyn Store>,
) {
    let store = shared.as_ref();
    let fresh = lead_at("+353871000005", Source::Website, t0(), 0);
    assert!(leads::claim_if_unheld(store, &fresh, 24, t0())
        .await
        .expect("claim"));
    // Sent again (a retry of the same request): still this lead's.
    assert!(leads::claim_if_unheld(store, &fresh, 24, t0())
        .await
        .expect("claim"));
    leads::give_up_claim(store, &fresh).await;
    assert_eq!(claim_holder(store, "+353871000005").await, None);
    // Nothing left behind: the same phone is a new lead at once, not a wait for an orphan.
    let next = lead_at(
        "+353871000005",
        Source::Website,
        t0() + Duration::seconds(1),
        0,
    );
    let started = std::time::Instant::now();
    assert_eq!(
        insert(store, &next, t0() + Duration::seconds(1)).await,
        Inserted::Created
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(1));

    // A phone whose claim is out of its window: not claimed this way, and the old lead
    // still holds it after a refused capture gives up.
    let old = lead_at("+353871000006", Source::Website, t0(), 0);
    assert_eq!(insert(store, &old, t0()).await, Inserted::Created);
    let later = t0() + Duration::hours(30);
    let refused = lead_at("+353871000006", Source::Website, later, 0);
    assert!(!leads::claim_if_unheld(store, &refused, 24, later)
        .await
        .expect("claim"));
    leads::give_up_claim(store, &refused).await;
    assert_eq!(
        claim_holder(store, "+353871000006").await,
        Some(old.id.clone())
    );
    // Admitted instead, `insert` takes the expired claim over as before.
    assert_eq!(insert(store, &refused, later).await, Inserted::Created);
    assert_eq!(
        claim_holder(store, "+353871000006").await,
        Some(refused.id.clone())
    );
    // Within the window: not claimed this way either, and `insert` finds the duplicate.
    let soon = later + Duration::minutes(5);
    let again = lead_at("+353871000006", Source::Website, soon, 0);
    assert!(!leads::claim_if_unheld(store, &again, 24, soon)
        .await
        .expect("claim"));
    assert_eq!(
        insert(store, &again, soon).await,
        Inserted::Duplicate {
            existing_id: refused.id.clone()
        }
    );
}

async fn a_claim_whose_lead_was_never_written_is_taken_over_by_the_next_capture(
    shared: Arc<dyn Store>,
) {
    let store = shared.as_ref();
    // Minutes old: taken over at once.
    let ghost = orphan_claim(store, "+353871000004", Duration::minutes(3)).await;
    let lead = lead_at("+353871000004", Source::Website, t0(), 0);
    assert_eq!(insert(store, &lead, t0()).await, Inserted::Created);
    assert_eq!(
        claim_holder(store, "+353871000004").await,
        Some(lead.id.clone())
    );
    assert_ne!(ghost, lead.id);
    // And the claim now holds: the same phone again is a duplicate of the real lead.
    let again = lead_at(
        "+353871000004",
        Source::Website,
        t0() + Duration::minutes(1),
        0,
    );
    assert_eq!(
        insert(store, &again, t0() + Duration::minutes(1)).await,
        Inserted::Duplicate {
            existing_id: lead.id.clone()
        }
    );
    // Half a second old: its writer may still be between the two writes, so the capture
    // waits for the lead, and takes the claim over once it is plainly never coming.
    orphan_claim(store, "+353871000005", Duration::milliseconds(500)).await;
    let lead = lead_at("+353871000005", Source::Website, t0(), 0);
    let started = std::time::Instant::now();
    assert_eq!(insert(store, &lead, t0()).await, Inserted::Created);
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(1_400),
        "took the claim over after {:?}, before its writer's time was up",
        started.elapsed()
    );
    assert_eq!(
        claim_holder(store, "+353871000005").await,
        Some(lead.id.clone())
    );
    assert!(leads::get(store, T, &lead.id).await.expect("get").is_some());
}

fn change(to: LeadStatus, reason: Option<&str>, expected: Option<u64>) -> StatusChange<'_> {
    StatusChange {
        to,
        reason,
        actor: "user-1",
        expected_version: expected,
    }
}

async fn status_change_writes_the_event_and_bumps_the_version(shared: Arc<dyn Store>) {
    let store = shared.as_ref();
    let lead = lead_at("+353871000004", Source::MetaAd, t0(), 5000);
    insert(store, &lead, t0()).await;
    let at = t0() + Duration::hours(1);
    let (moved, event) = leads::change_status(
        store,
        T,
        &lead.id,
        &change(LeadStatus::Contacted, None, Some(1)),
        at,
    )
    .await
    .expect("change");
    assert_eq!(moved.version, 2);
    assert_eq!(moved.status, LeadStatus::Contacted);
    assert_eq!(event.from, Some(LeadStatus::New));
    assert_eq!(event.actor, "user-1");
    let detail = leads::detail(store, T, &lead.id)
        .await
        .expect("detail")
        .expect("found");
    assert_eq!(detail.events, vec![event]);
    assert_eq!(detail.lead.version, 2);
    let board = stats::board_totals(store, T).await.expect("board");
    assert_eq!(board[&LeadStatus::Contacted].count, 1);
    assert_eq!(board[&LeadStatus::Contacted].value, 5000);
    assert_eq!(board[&LeadStatus::New].count, 0);
}

async fn stale_version_and_refused_transitions_write_nothing(shared: Arc<dyn Store>) {
    let store = shared.as_ref();
    let lead = lead_at("+353871000005", Source::MetaAd, t0(), 0);
    insert(store, &lead, t0()).await;
    let stale = leads::change_status(
        store,
        T,
        &lead.id,
        &change(LeadStatus::Contacted, None, Some(7)),
        t0(),
    )
    .await;
    assert!(matches!(
        stale,
        Err(LeadWriteError::StaleVersion { current: 1 })
    ));
    let refused = leads::change_status(
        store,
        T,
        &lead.id,
        &change(LeadStatus::Won, None, None),
        t0(),
    )
    .await;
    assert!(matches!(
        refused,
        Err(LeadWriteError::Transition(
            TransitionError::NotAllowed { .. }
        ))
    ));
    let no_reason = leads::change_status(
        store,
        T,
        &lead.id,
        &change(LeadStatus::Lost, None, None),
        t0(),
    )
    .await;
    assert!(matches!(
        no_reason,
        Err(LeadWriteError::Transition(TransitionError::ReasonRequired))
    ));
    let missing = leads::change_status(
        store,
        T,
        "01JDEMOLEAD0000000000000009",
        &change(LeadStatus::Contacted, None, None),
        t0(),
    )
    .await;
    assert!(matches!(missing, Err(LeadWriteError::NotFound)));
    let detail = leads::detail(store, T, &lead.id)
        .await
        .expect("detail")
        .expect("found");
    assert_eq!(detail.lead.version, 1);
    assert!(detail.events.is_empty());
}

async fn counting_is_exact_before_and_after_the_job_and_never_twice(shared: Arc<dyn Store>) {
    let store = shared.as_ref();
    with_tenant(store).await;
    let sources = [
        Source::MetaAd,
        Source::MetaAd,
        Source::GoogleAd,
        Source::Website,
        Source::Referral,
    ];
    let mut ids = Vec::new();
    for (i, s) in sources.iter().enumerate() {
        let at = t0() + Duration::seconds(i as i64);
        let lead = lead_at(&format!("+35387100010{i}"), *s, at, 1000);
        insert(store, &lead, at).await;
        ids.push(lead.id);
    }
    let now = t0() + Duration::minutes(1);
    let (won_lead, _) = leads::change_status(
        store,
        T,
        &ids[0],
        &change(LeadStatus::Booked, None, None),
        now,
    )
    .await
    .expect("booked");
    leads::change_status(
        store,
        T,
        &won_lead.id,
        &change(LeadStatus::Won, None, None),
        now,
    )
    .await
    .expect("won");
    let before = stats::analytics(store, T, now).await.expect("analytics");
    assert_eq!(before.total, 5);
    assert_eq!(before.by_source.get("meta_ad"), Some(&2));
    assert_eq!(before.by_status.get("new"), Some(&4));
    assert_eq!(before.by_status.get("won"), Some(&1));
    assert_eq!(before.converted, 1);
    // Too early: the newest leads are inside the counting lag.
    let early = stats::count_new_leads(store, T, t0() + Duration::seconds(62))
        .await
        .expect("count");
    assert!(
        early < 5,
        "leads younger than the lag wait for the next run"
    );
    let later = t0() + Duration::minutes(10);
    let rest = stats::count_new_leads(store, T, later)
        .await
        .expect("count");
    assert_eq!(early + rest, 5);
    assert_eq!(
        stats::count_new_leads(store, T, later)
            .await
            .expect("count"),
        0
    );
    let after = stats::analytics(store, T, later).await.expect("analytics");
    assert_eq!(
        after, before,
        "counting moves numbers from the tail into counters, never twice"
    );
    let board = stats::board_totals(store, T).await.expect("board");
    assert_eq!(board[&LeadStatus::New].value, 4000);
    assert_eq!(board[&LeadStatus::Won].value, 1000);
}

async fn concurrent_counting_runs_count_each_lead_once(shared: Arc<dyn Store>) {
    let store = shared.as_ref();
    with_tenant(store).await;
    for i in 0..8 {
        let at = t0() + Duration::seconds(i);
        insert(
            store,
            &lead_at(&format!("+35387100020{i}"), Source::Qr, at, 0),
            at,
        )
        .await;
    }
    let later = t0() + Duration::minutes(10);
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let shared = Arc::clone(&shared);
            tokio::spawn(async move {
                stats::count_new_leads(shared.as_ref(), T, later)
                    .await
                    .expect("count")
            })
        })
        .collect();
    let mut total = 0;
    for r in runs {
        total += r.await.expect("task");
    }
    assert_eq!(total, 8, "the runs together count each lead exactly once");
    let a = stats::analytics(store, T, later).await.expect("analytics");
    assert_eq!(a.total, 8);
    assert_eq!(a.by_source.get("qr"), Some(&8));
}

async fn list_pages_newest_first_and_filters(shared: Arc<dyn Store>) {
    let store = shared.as_ref();
    let mut ids = Vec::new();
    for i in 0..7 {
        let at = t0() + Duration::minutes(i);
        let source = if i % 2 == 0 {
            Source::MetaAd
        } else {
            Source::GoogleAd
        };
        let lead = lead_at(&format!("+35387100030{i}"), source, at, 0);
        insert(store, &lead, at).await;
        ids.push(lead.id);
    }
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let (page, next) = leads::list(store, T, &ListFilter::default(), 3, cursor)
            .await
            .expect("list");
        seen.extend(page.into_iter().map(|l| l.id));
        match next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first);
    let meta = ListFilter {
        source: Some(Source::MetaAd),
        ..ListFilter::default()
    };
    let (page, _) = leads::list(store, T, &meta, 10, None).await.expect("list");
    assert_eq!(page.len(), 4);
    assert!(page.iter().all(|l| l.source == Source::MetaAd));
    let by_phone = ListFilter {
        q: Some("87100030".into()),
        ..ListFilter::default()
    };
    assert_eq!(
        leads::list(store, T, &by_phone, 10, None)
            .await
            .expect("list")
            .0
            .len(),
        7
    );
    let new_only = ListFilter {
        status: Some(LeadStatus::New),
        ..ListFilter::default()
    };
    assert_eq!(
        leads::list(store, T, &new_only, 10, None)
            .await
            .expect("list")
            .0
            .len(),
        7
    );
}

async fn a_note_needs_an_existing_lead(shared: Arc<dyn Store>) {
    let store = shared.as_ref();
    let missing = leads::add_note(store, T, "01JDEMOLEAD0000000000000009", "hi", "u", t0()).await;
    assert!(matches!(missing, Err(LeadWriteError::NotFound)));
    let lead = lead_at("+353871000400", Source::MetaAd, t0(), 0);
    insert(store, &lead, t0()).await;
    let note = leads::add_note(store, T, &lead.id, "Called back", "u", t0())
        .await
        .expect("note");
    let detail = leads::detail(store, T, &lead.id)
        .await
        .expect("detail")
        .expect("found");
    assert_eq!(detail.notes, vec![note]);
}

async fn a_count_run_costs_one_plain_write_per_month(shared: Arc<dyn Store>) {
    let store = shared.as_ref();
    let at = t0();
    insert(store, &lead_at("+353871000500", Source::MetaAd, at, 0), at).await;
    let before = store.meter().snapshot();
    let counted = stats::count_new_leads(store, T, at + Duration::minutes(5))
        .await
        .expect("count");
    assert_eq!(counted, 1);
    let spent = store.meter().snapshot() - before;
    assert_eq!(
        spent.write, 1.0,
        "one non-transactional update of a small month item"
    );
}

/// Open leads not booked 48 hours after capture are flagged by the hourly job once their
/// hour has passed; a booked one is not; a second run of the same hours flags nothing; a run
/// after a gap catches up; the job reads only the index entries of the hours it covers.
async fn the_stale_job_flags_open_leads_once_after_their_hour_and_catches_up(
    shared: Arc<dyn Store>,
) {
    let store = shared.as_ref();
    let a = lead_at("+353871700001", Source::MetaAd, t0(), 0);
    let b = lead_at(
        "+353871700002",
        Source::MetaAd,
        t0() + Duration::minutes(1),
        0,
    );
    let c = lead_at(
        "+353871700003",
        Source::Website,
        t0() + Duration::hours(10),
        0,
    );
    for l in [&a, &b, &c] {
        insert(store, l, l.created_at).await;
    }
    let booked = StatusChange {
        to: LeadStatus::Booked,
        reason: None,
        actor: "u1",
        expected_version: None,
    };
    leads::change_status(store, T, &b.id, &booked, t0() + Duration::hours(1))
        .await
        .expect("booked");
    let early = stale::run(store, t0() + Duration::hours(47))
        .await
        .expect("run");
    assert!(early.flagged.is_empty());
    let due = stale::run(store, t0() + Duration::hours(49) + Duration::minutes(5))
        .await
        .expect("run");
    let flagged: Vec<&str> = due.flagged.iter().map(|(l, _)| l.id.as_str()).collect();
    assert_eq!(
        flagged,
        [a.id.as_str()],
        "only the open lead whose hour has passed"
    );
    assert_eq!(
        due.read, 1,
        "the booked lead left the index; nothing else was read"
    );
    let again = stale::run(store, t0() + Duration::hours(49) + Duration::minutes(30))
        .await
        .expect("run");
    assert!(again.flagged.is_empty() && again.read == 0, "{again:?}");
    // Two days without runs: the next one catches up and flags C.
    let later = stale::run(store, t0() + Duration::hours(100))
        .await
        .expect("run");
    let flagged: Vec<&str> = later.flagged.iter().map(|(l, _)| l.id.as_str()).collect();
    assert_eq!(flagged, [c.id.as_str()]);
    let stale_only = ListFilter {
        stale: Some(true),
        ..ListFilter::default()
    };
    let (page, _) = leads::list(store, T, &stale_only, 10, None)
        .await
        .expect("list");
    let mut ids: Vec<&str> = page.iter().map(|l| l.id.as_str()).collect();
    ids.sort();
    let mut want = vec![a.id.as_str(), c.id.as_str()];
    want.sort();
    assert_eq!(ids, want);
    let detail = leads::detail(store, T, &a.id)
        .await
        .expect("detail")
        .expect("lead");
    let last = detail.events.last().expect("an event");
    assert_eq!((last.actor.as_str(), last.to), ("system", LeadStatus::New));
    assert!(detail.lead.stale);
}
