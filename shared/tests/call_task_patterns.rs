//! Calls, the missed-call recovery queue and follow-up tasks (DESIGN §2.1, §2.2, §4): the
//! same access patterns on both adapters, SQLite in memory and DynamoDB on moto.

mod support;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use crm_shared::domain::call::MissedCallStatus;
use crm_shared::domain::call::{Call, CallStatus};
use crm_shared::domain::lead::{Lead, LeadPatch, NewLead};
use crm_shared::domain::task::{open_contact_task, TaskStatus};
use crm_shared::domain::tenant::TenantSettings;
use crm_shared::ports::store::Store;
use crm_shared::store::calls::{self, MissedCallFilter};
use crm_shared::store::customers;
use crm_shared::store::leads;
use crm_shared::store::tasks::{self, TaskFilter};

on_both_stores!(
    "calls":
    a_call_is_recorded_once_by_its_call_id_and_on_the_callers_timeline,
    missed_calls_list_newest_first_and_handled_ones_leave_the_open_index,
    a_missed_calls_recovery_text_is_recorded_once,
    a_new_leads_contact_task_is_due_one_business_hour_later_and_listed_by_due_and_assignee,
    completing_a_task_is_idempotent_and_takes_it_out_of_the_open_lists,
    a_contact_task_follows_its_leads_assignee_and_stays_done_through_later_edits,
    contact_tasks_stored_as_items_by_an_earlier_version_are_folded_into_their_leads,
);

const T: &str = "acme";

fn t0() -> DateTime<Utc> {
    // Monday 10:00 in Dublin (winter: UTC).
    DateTime::parse_from_rfc3339("2026-11-16T10:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .expect("time")
}

fn call(id: &str, from: &str, status: CallStatus, at: DateTime<Utc>) -> Call {
    Call {
        call_id: id.into(),
        from: from.into(),
        to: None,
        status,
        started_at: at,
        duration_seconds: if status == CallStatus::Answered {
            95
        } else {
            0
        },
        name: Some("Sean Kelly".into()),
    }
}

async fn record(store: &dyn Store, c: &Call, now: DateTime<Utc>) -> calls::Recorded {
    let (customer, _) = calls::caller(store, &settings(), &c.from, c.name.as_deref(), now)
        .await
        .expect("caller");
    calls::record(store, T, c, &customer.id, "Sean Kelly", now)
        .await
        .expect("record")
}

async fn a_call_is_recorded_once_by_its_call_id_and_on_the_callers_timeline(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let (customer, created) =
        calls::caller(s, &settings(), "+353875550101", Some("Sean Kelly"), t0())
            .await
            .expect("caller");
    assert!(created);
    assert_eq!(
        customer.segment,
        crm_shared::domain::customer::Segment::Lead
    );
    // The number's owner is the new customer: the next call finds them.
    let (again, created) = calls::caller(s, &settings(), "+353875550101", None, t0())
        .await
        .expect("caller");
    assert!(!created);
    assert_eq!(again.id, customer.id);

    let answered = call("CA-1", "+353875550101", CallStatus::Answered, t0());
    let first = calls::record(s, T, &answered, &customer.id, "Sean Kelly", t0())
        .await
        .expect("record");
    assert!(first.new && first.missed_call.is_none());
    let second = calls::record(
        s,
        T,
        &answered,
        &customer.id,
        "Sean Kelly",
        t0() + Duration::minutes(1),
    )
    .await
    .expect("record again");
    assert!(!second.new);
    assert_eq!(second.timeline_entry_id, first.timeline_entry_id);
    let (entries, _) =
        customers::timeline_page(s, T, &customer.id, &["call".into()], None, 50, None)
            .await
            .expect("timeline");
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].text, "Call answered (1:35)");

    let missed = call("CA-2", "+353875550101", CallStatus::Voicemail, t0());
    let r = calls::record(s, T, &missed, &customer.id, "Sean Kelly", t0())
        .await
        .expect("missed");
    let m = r.missed_call.expect("a voicemail is a missed call");
    assert_eq!(m.status, MissedCallStatus::Open);
    let again = calls::record(s, T, &missed, &customer.id, "Sean Kelly", t0())
        .await
        .expect("again");
    assert_eq!(again.missed_call.map(|m| m.id), Some(m.id));
    let (open, _) = calls::list(s, T, MissedCallFilter::Open, 10, None)
        .await
        .expect("list");
    assert_eq!(open.len(), 1);
}

async fn missed_calls_list_newest_first_and_handled_ones_leave_the_open_index(
    store: Arc<dyn Store>,
) {
    let s = store.as_ref();
    let mut ids = Vec::new();
    for i in 0..5 {
        let at = t0() + Duration::minutes(i);
        let r = record(
            s,
            &call(
                &format!("M-{i}"),
                &format!("+35387555020{i}"),
                CallStatus::Missed,
                at,
            ),
            at,
        )
        .await;
        ids.push(r.missed_call.expect("missed").id);
    }
    // Answered calls never enter the queue.
    record(
        s,
        &call("A-1", "+353875550299", CallStatus::Answered, t0()),
        t0(),
    )
    .await;
    let newest_first: Vec<String> = ids.iter().rev().cloned().collect();
    let (page, next) = calls::list(s, T, MissedCallFilter::Open, 3, None)
        .await
        .expect("page 1");
    let (rest, _) = calls::list(s, T, MissedCallFilter::Open, 3, next)
        .await
        .expect("page 2");
    let listed: Vec<String> = page
        .iter()
        .chain(rest.iter())
        .map(|m| m.id.clone())
        .collect();
    assert_eq!(listed, newest_first);

    assert!(!calls::is_handled(s, T, &ids[1]).await.expect("is_handled"));
    let (m, changed) = calls::mark_handled(s, T, &ids[1], "staff-1", t0() + Duration::hours(1))
        .await
        .expect("handle")
        .expect("found");
    assert!(changed && m.status == MissedCallStatus::Handled);
    assert_eq!(m.handled_by.as_deref(), Some("staff-1"));
    let (_, changed) = calls::mark_handled(s, T, &ids[1], "staff-2", t0() + Duration::hours(2))
        .await
        .expect("again")
        .expect("found");
    assert!(!changed, "handling twice changes nothing");
    assert!(calls::is_handled(s, T, &ids[1]).await.expect("is_handled"));
    assert!(!calls::is_handled(s, T, "not-an-id").await.expect("unknown"));
    assert!(
        calls::mark_handled(s, T, "01JDEMMXSD0000000000000001", "x", t0())
            .await
            .expect("none")
            .is_none()
    );

    let (open, _) = calls::list(s, T, MissedCallFilter::Open, 10, None)
        .await
        .expect("open");
    assert_eq!(open.len(), 4);
    assert!(open.iter().all(|m| m.id != ids[1]));
    let (handled, _) = calls::list(s, T, MissedCallFilter::Handled, 10, None)
        .await
        .expect("handled");
    assert_eq!(
        handled.iter().map(|m| m.id.clone()).collect::<Vec<_>>(),
        vec![ids[1].clone()]
    );
    let (all, _) = calls::list(s, T, MissedCallFilter::All, 10, None)
        .await
        .expect("all");
    assert_eq!(all.len(), 5);
    // Another tenant sees none of them.
    let (other, _) = calls::list(s, "other", MissedCallFilter::All, 10, None)
        .await
        .expect("other");
    assert!(other.is_empty());
    assert!(calls::get(s, "other", &ids[0])
        .await
        .expect("get")
        .is_none());
}

async fn a_missed_calls_recovery_text_is_recorded_once(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let r = record(
        s,
        &call("S-1", "+353875550301", CallStatus::Missed, t0()),
        t0(),
    )
    .await;
    let id = r.missed_call.expect("missed").id;
    let msg = calls::recovery_message_id(&id);
    let m = calls::set_sms_message(s, T, &id, &msg, t0())
        .await
        .expect("set")
        .expect("found");
    assert_eq!(m.sms_message_id.as_deref(), Some(msg.as_str()));
    let m = calls::set_sms_message(s, T, &id, "other", t0())
        .await
        .expect("set")
        .expect("found");
    assert_eq!(
        m.sms_message_id.as_deref(),
        Some(msg.as_str()),
        "the first stays"
    );
}

fn settings() -> TenantSettings {
    TenantSettings::new(T, "Acme", "IE", "https://booking.example.com/acme")
}

async fn lead(
    store: &dyn Store,
    name: &str,
    phone: &str,
    assignee: Option<&str>,
    at: DateTime<Utc>,
) -> Lead {
    let id = ulid::Ulid::from_datetime(at.into()).to_string();
    let mut lead = Lead::create(
        T,
        &id,
        NewLead {
            name: name.into(),
            phone: phone.into(),
            phone_raw: phone.into(),
            assignee: assignee.map(str::to_owned),
            ..NewLead::default()
        },
        at,
    );
    open_contact_task(&mut lead, &settings());
    leads::insert(store, &lead, 48, 24, at).await.expect("lead");
    lead
}

async fn a_new_leads_contact_task_is_due_one_business_hour_later_and_listed_by_due_and_assignee(
    store: Arc<dyn Store>,
) {
    let s = store.as_ref();
    // 10:00 → 11:00; 17:30 → 09:30 next day; 22:00 → 10:00 next day.
    let a = lead(s, "Ann", "+353875550401", None, t0()).await;
    let b = lead(
        s,
        "Bea",
        "+353875550402",
        Some("staff-1"),
        t0() + Duration::minutes(450),
    )
    .await;
    let c = lead(
        s,
        "Cat",
        "+353875550403",
        Some("staff-2"),
        t0() + Duration::hours(12),
    )
    .await;
    // Inserting it again writes nothing: its phone is claimed by it.
    assert_eq!(
        leads::insert(s, &a, 48, 24, t0()).await.expect("again"),
        leads::Inserted::Created
    );
    let (everything, _) = tasks::list(
        s,
        T,
        &TaskFilter {
            status: None,
            assignee: None,
            due_by: None,
        },
        10,
        None,
    )
    .await
    .expect("all");
    assert_eq!(everything.len(), 3, "one task per lead");

    let task = tasks::get(s, T, &format!("{}.contact", a.id))
        .await
        .expect("get")
        .expect("task");
    assert_eq!(task.due_at, t0() + Duration::hours(1));
    assert_eq!(task.lead_name, "Ann");
    assert_eq!(task.assignee, None);
    let b_task = tasks::get(s, T, &format!("{}.contact", b.id))
        .await
        .expect("get")
        .expect("task");
    assert_eq!(
        b_task.due_at,
        t0() + Duration::hours(23) + Duration::minutes(30)
    );
    assert_eq!(b_task.assignee.as_deref(), Some("staff-1"));
    let c_task = tasks::get(s, T, &format!("{}.contact", c.id))
        .await
        .expect("get")
        .expect("task");
    assert_eq!(c_task.due_at, t0() + Duration::hours(24));

    let open = TaskFilter {
        status: Some(TaskStatus::Open),
        assignee: None,
        due_by: None,
    };
    let (page, next) = tasks::list(s, T, &open, 2, None).await.expect("page 1");
    let (rest, _) = tasks::list(s, T, &open, 2, next).await.expect("page 2");
    let ids: Vec<String> = page
        .iter()
        .chain(rest.iter())
        .map(|t| t.lead_id.clone())
        .collect();
    assert_eq!(
        ids,
        vec![a.id.clone(), b.id.clone(), c.id.clone()],
        "soonest due first"
    );

    let due = TaskFilter {
        due_by: Some(t0() + Duration::hours(1)),
        ..open.clone()
    };
    let (due_now, _) = tasks::list(s, T, &due, 10, None).await.expect("due");
    assert_eq!(
        due_now
            .iter()
            .map(|t| t.lead_id.clone())
            .collect::<Vec<_>>(),
        vec![a.id.clone()]
    );

    let mine = TaskFilter {
        assignee: Some("staff-1".into()),
        ..open.clone()
    };
    let (mine, _) = tasks::list(s, T, &mine, 10, None).await.expect("mine");
    assert_eq!(
        mine.iter().map(|t| t.lead_id.clone()).collect::<Vec<_>>(),
        vec![b.id.clone()]
    );

    // The lead's detail carries its task.
    let detail = leads::detail(s, T, &a.id)
        .await
        .expect("detail")
        .expect("lead");
    assert_eq!(detail.tasks.len(), 1);
    assert_eq!(detail.tasks[0].id, task.id);

    // Ids that are not ours, or another tenant's, name nothing.
    for bad in [
        "x",
        "nope.contact",
        &format!("{}.", a.id),
        &format!("{}.a#b", a.id),
    ] {
        assert!(tasks::get(s, T, bad).await.expect("get").is_none(), "{bad}");
    }
    assert!(tasks::get(s, "other", &task.id)
        .await
        .expect("get")
        .is_none());
}

async fn completing_a_task_is_idempotent_and_takes_it_out_of_the_open_lists(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let a = lead(s, "Ann", "+353875550501", Some("staff-1"), t0()).await;
    let b = lead(s, "Bea", "+353875550502", None, t0() + Duration::minutes(5)).await;
    let id = format!("{}.contact", a.id);
    let later = t0() + Duration::minutes(30);
    let (done, changed) = tasks::complete(s, T, &id, "staff-1", later)
        .await
        .expect("complete")
        .expect("found");
    assert!(changed && done.status == TaskStatus::Done);
    assert_eq!(
        (done.completed_by.as_deref(), done.completed_at),
        (Some("staff-1"), Some(later))
    );
    let (again, changed) = tasks::complete(s, T, &id, "staff-2", later + Duration::minutes(1))
        .await
        .expect("again")
        .expect("found");
    assert!(!changed);
    assert_eq!(again.completed_by.as_deref(), Some("staff-1"));
    assert!(
        tasks::complete(s, T, "01JDEMEVNT0000000000000001.contact", "x", later)
            .await
            .expect("none")
            .is_none()
    );

    let open = TaskFilter {
        status: Some(TaskStatus::Open),
        assignee: None,
        due_by: None,
    };
    let (open_tasks, _) = tasks::list(s, T, &open, 10, None).await.expect("open");
    assert_eq!(
        open_tasks
            .iter()
            .map(|t| t.lead_id.clone())
            .collect::<Vec<_>>(),
        vec![b.id.clone()]
    );
    let mine = TaskFilter {
        assignee: Some("staff-1".into()),
        ..open.clone()
    };
    assert!(tasks::list(s, T, &mine, 10, None)
        .await
        .expect("mine")
        .0
        .is_empty());
    let done_filter = TaskFilter {
        status: Some(TaskStatus::Done),
        assignee: None,
        due_by: None,
    };
    let (done_tasks, _) = tasks::list(s, T, &done_filter, 10, None)
        .await
        .expect("done");
    assert_eq!(
        done_tasks.iter().map(|t| t.id.clone()).collect::<Vec<_>>(),
        vec![id.clone()]
    );
    let all = TaskFilter {
        status: None,
        assignee: None,
        due_by: None,
    };
    let (all_tasks, _) = tasks::list(s, T, &all, 10, None).await.expect("all");
    assert_eq!(
        all_tasks
            .iter()
            .map(|t| t.lead_id.clone())
            .collect::<Vec<_>>(),
        vec![b.id.clone(), a.id.clone()],
        "newest first"
    );
}

async fn a_contact_task_follows_its_leads_assignee_and_stays_done_through_later_edits(
    store: Arc<dyn Store>,
) {
    let s = store.as_ref();
    let a = lead(s, "Ann", "+353875550601", Some("staff-1"), t0()).await;
    let open_of = |who: &str| TaskFilter {
        status: Some(TaskStatus::Open),
        assignee: Some(who.into()),
        due_by: None,
    };
    let patch = LeadPatch {
        assignee: Some(Some("staff-2".into())),
        ..Default::default()
    };
    leads::update(s, T, &a.id, &patch, None, t0() + Duration::minutes(1))
        .await
        .expect("reassign");
    let (old, _) = tasks::list(s, T, &open_of("staff-1"), 10, None)
        .await
        .expect("old");
    let (new, _) = tasks::list(s, T, &open_of("staff-2"), 10, None)
        .await
        .expect("new");
    assert!(old.is_empty(), "the old assignee's list lost it");
    assert_eq!(new.len(), 1);
    assert_eq!(new[0].assignee.as_deref(), Some("staff-2"));

    let id = format!("{}.contact", a.id);
    let before = leads::get(s, T, &a.id).await.expect("get").expect("lead");
    tasks::complete(s, T, &id, "staff-2", t0() + Duration::minutes(2))
        .await
        .expect("complete")
        .expect("found");
    // The lead moved on, so an edit made from the lead as it was is refused, not applied
    // over the completion.
    let stale_edit = leads::update(
        s,
        T,
        &a.id,
        &LeadPatch {
            name: Some("Ann B".into()),
            ..Default::default()
        },
        Some(before.version),
        t0() + Duration::minutes(3),
    )
    .await;
    assert!(matches!(
        stale_edit,
        Err(leads::LeadWriteError::StaleVersion { .. })
    ));
    leads::update(
        s,
        T,
        &a.id,
        &LeadPatch {
            name: Some("Ann B".into()),
            ..Default::default()
        },
        None,
        t0() + Duration::minutes(3),
    )
    .await
    .expect("edit");
    let task = tasks::get(s, T, &id).await.expect("get").expect("task");
    assert_eq!(task.status, TaskStatus::Done);
    assert_eq!(task.lead_name, "Ann B");
    assert!(tasks::list(s, T, &open_of("staff-2"), 10, None)
        .await
        .expect("open")
        .0
        .is_empty());
}

/// A contact task as an earlier version stored it: an item in its lead's partition, listed
/// in the open index (GSI1) while open and in the all-tasks index (GSI3).
async fn legacy_task(
    store: &dyn Store,
    lead: &Lead,
    due: DateTime<Utc>,
    done: Option<(&str, DateTime<Utc>)>,
) {
    use crm_shared::ports::store::{Item, Write, PK, SK};
    use serde_json::json;
    let id = format!("{}.contact", lead.id);
    let mut item: Item = json!({
        "PK": format!("T#{T}#L#{}", lead.id),
        "SK": format!("K#{id}"),
        "id": id,
        "tenant_id": T,
        "lead_id": lead.id,
        "kind": "contact_lead",
        "title": "Contact lead",
        "due_at": due,
        "status": if done.is_some() { "done" } else { "open" },
        "lead_name": lead.name,
        "created_at": lead.created_at,
        "version": if done.is_some() { 2 } else { 1 },
        "GSI3PK": format!("T#{T}#TASKS"),
        "GSI3SK": format!("{}#{id}", lead.created_at.to_rfc3339()),
    })
    .as_object()
    .cloned()
    .expect("object");
    match done {
        Some((by, at)) => {
            item.insert("completed_by".into(), by.into());
            item.insert("completed_at".into(), json!(at));
        }
        None => {
            item.insert("GSI1PK".into(), format!("T#{T}#TASKS#open").into());
            item.insert("GSI1SK".into(), format!("{}#{id}", due.to_rfc3339()).into());
        }
    }
    assert!(item.contains_key(PK) && item.contains_key(SK));
    store.write(Write::put(item)).await.expect("legacy task");
}

async fn contact_tasks_stored_as_items_by_an_earlier_version_are_folded_into_their_leads(
    store: Arc<dyn Store>,
) {
    let s = store.as_ref();
    let plain = |name: &str, phone: &str, at: DateTime<Utc>| {
        Lead::create(
            T,
            &ulid::Ulid::from_datetime(at.into()).to_string(),
            NewLead {
                name: name.into(),
                phone: phone.into(),
                phone_raw: phone.into(),
                ..NewLead::default()
            },
            at,
        )
    };
    let open = plain("Old Open", "+353875550701", t0());
    let done = plain("Old Done", "+353875550702", t0() + Duration::minutes(1));
    for lead in [&open, &done] {
        leads::insert(s, lead, 48, 24, lead.created_at)
            .await
            .expect("lead");
    }
    legacy_task(s, &open, t0() + Duration::hours(1), None).await;
    legacy_task(
        s,
        &done,
        t0() + Duration::hours(2),
        Some(("staff-1", t0() + Duration::minutes(30))),
    )
    .await;
    // Before the fold the new lists do not see them.
    assert!(tasks::get(s, T, &format!("{}.contact", open.id))
        .await
        .expect("get")
        .is_none());

    assert_eq!(tasks::fold_legacy(s, T).await.expect("fold"), 2);
    let task = tasks::get(s, T, &format!("{}.contact", open.id))
        .await
        .expect("get")
        .expect("folded");
    assert_eq!(
        (task.status, task.due_at),
        (TaskStatus::Open, t0() + Duration::hours(1))
    );
    let open_filter = TaskFilter {
        status: Some(TaskStatus::Open),
        assignee: None,
        due_by: None,
    };
    let (listed, _) = tasks::list(s, T, &open_filter, 10, None)
        .await
        .expect("open");
    assert_eq!(
        listed.iter().map(|t| t.lead_id.clone()).collect::<Vec<_>>(),
        vec![open.id.clone()]
    );
    let finished = tasks::get(s, T, &format!("{}.contact", done.id))
        .await
        .expect("get")
        .expect("folded");
    assert_eq!(finished.status, TaskStatus::Done);
    assert_eq!(finished.completed_by.as_deref(), Some("staff-1"));
    // The items are gone, and a second run finds nothing.
    for lead in [&open, &done] {
        let key = crm_shared::ports::store::Key::new(
            format!("T#{T}#L#{}", lead.id),
            format!("K#{}.contact", lead.id),
        );
        assert!(s.get(&key).await.expect("get").is_none());
    }
    assert_eq!(tasks::fold_legacy(s, T).await.expect("again"), 0);
}
