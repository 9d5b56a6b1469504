//! Erasure (issue 17 point 2) on both adapters, SQLite in memory and DynamoDB on moto: a
//! person who is only a lead (two leads, a note, contact tasks, the phone claim) erased by
//! phone leaves no item holding them, another person's lead stays; an opt-out kept under the
//! number itself moves to its hashed key and still holds.

mod support;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use crm_shared::domain::lead::{Lead, NewLead};
use crm_shared::domain::task::open_contact_task;
use crm_shared::domain::tenant::TenantSettings;
use crm_shared::ports::store::{Key, Store, Write};
use crm_shared::store::privacy::{erase_person, Erased, Person};
use crm_shared::store::{keys, leads, messages};

on_both_stores!(
    "privacy":
    a_person_who_is_only_a_lead_is_erased_with_everything_of_theirs_and_no_one_else,
    an_opt_out_kept_under_the_number_moves_to_its_hashed_key_and_still_holds,
);

const T: &str = "acme";

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-16T10:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .expect("time")
}

async fn lead(store: &dyn Store, name: &str, phone: &str, at: DateTime<Utc>) -> Lead {
    let id = ulid::Ulid::from_datetime(at.into()).to_string();
    let mut lead = Lead::create(
        T,
        &id,
        NewLead {
            name: name.into(),
            phone: phone.into(),
            phone_raw: phone.into(),
            email: Some(format!(
                "{}@example.ie",
                name.to_lowercase().replace(' ', ".")
            )),
            ..NewLead::default()
        },
        at,
    );
    let settings = TenantSettings::new(T, "Acme", "IE", "https://booking.example.com/acme");
    open_contact_task(&mut lead, &settings);
    leads::insert(store, &lead, 48, 24, at).await.expect("lead");
    lead
}

/// Every key under the lead's partitions and the claim, present or not.
async fn present(store: &dyn Store, keys: &[Key]) -> usize {
    let mut n = 0;
    for k in keys {
        if store.get(k).await.expect("get").is_some() {
            n += 1;
        }
    }
    n
}

async fn a_person_who_is_only_a_lead_is_erased_with_everything_of_theirs_and_no_one_else(
    store: Arc<dyn Store>,
) {
    let s = store.as_ref();
    let first = lead(s, "Tadhg One", "+353865550177", t0()).await;
    let second = lead(s, "Tadhg Two", "+353865550177", t0() + Duration::days(2)).await;
    let other = lead(s, "Nuala Other", "+353865550188", t0()).await;
    leads::add_note(s, T, &first.id, "asked about prices", "u1", t0())
        .await
        .expect("note");
    let erased = erase_person(
        s,
        T,
        &Person {
            phone: Some("+353865550177".into()),
            email: None,
        },
    )
    .await
    .expect("erase");
    assert_eq!(
        erased,
        Erased {
            customers: 0,
            leads: 2,
            messages: 0
        }
    );
    for l in [&first, &second] {
        assert!(leads::get(s, T, &l.id).await.expect("get").is_none());
        let children = s
            .query(&crm_shared::ports::store::Query::new(
                crm_shared::ports::store::Index::Primary,
                keys::lead_children_pk(T, &l.id),
            ))
            .await
            .expect("children");
        assert!(children.items.is_empty(), "{:?}", children.items);
    }
    assert_eq!(
        present(s, &[keys::phone_claim(T, "+353865550177")]).await,
        0
    );
    // Another person's lead, task and claim are untouched.
    assert!(leads::get(s, T, &other.id).await.expect("get").is_some());
    assert_eq!(
        present(s, &[keys::phone_claim(T, "+353865550188")]).await,
        1
    );
}

async fn an_opt_out_kept_under_the_number_moves_to_its_hashed_key_and_still_holds(
    store: Arc<dyn Store>,
) {
    let s = store.as_ref();
    let legacy = keys::legacy_opt_out_key(T, "+353865550177");
    let mut item = legacy.item();
    item.insert("at".into(), "2026-01-01T00:00:00Z".into());
    s.write(Write::put(item)).await.expect("legacy opt-out");
    assert!(messages::is_opted_out(s, T, "+353865550177")
        .await
        .expect("read"));
    erase_person(
        s,
        T,
        &Person {
            phone: Some("+353865550177".into()),
            email: None,
        },
    )
    .await
    .expect("erase");
    assert_eq!(present(s, &[legacy]).await, 0, "no item holds the number");
    assert_eq!(
        present(s, &[keys::opt_out_key(T, "+353865550177")]).await,
        1
    );
    assert!(messages::is_opted_out(s, T, "+353865550177")
        .await
        .expect("read"));
}
