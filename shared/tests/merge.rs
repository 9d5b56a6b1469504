//! Merging two customers who are one person (issue 19), on both stores: everything of the
//! removed customer moves to the kept one, KPIs are recomputed from the booking facts it
//! then holds, the removed id answers where it went, later facts about the removed
//! customer's bookings reach the kept one, and a merge interrupted halfway finishes when it
//! is run again (and running it again after changes nothing more).

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use crm_shared::domain::booking::{BookingFact, BookingKind, Contact};
use crm_shared::domain::tenant::TenantSettings;
use crm_shared::ports::store::capacity::CapacityMeter;
use crm_shared::ports::store::{Item, Key, Page, Query, Store, StoreError, Write};
use crm_shared::store::customers::{self, Ingested};

on_both_stores!(
    "merge":
    a_merge_moves_everything_recomputes_kpis_and_finishes_after_an_interruption,
);

const T: &str = "acme";

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-10T10:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .expect("time")
}

fn settings() -> TenantSettings {
    TenantSettings::new(T, "Acme", "IE", "https://acme.example")
}

fn fact(kind: BookingKind, id: &str, version: u64, days: i64, amount: Option<i64>) -> BookingFact {
    BookingFact {
        kind,
        booking_id: id.into(),
        version,
        start: t0() + Duration::days(days),
        service: Some("Massage".into()),
        staff: None,
        amount,
        currency: Some("EUR".into()),
        paid: amount.map(|_| true),
        lead_id: None,
        source: None,
    }
}

async fn book(store: &dyn Store, f: BookingFact, c: &Contact) -> String {
    match customers::ingest(store, &settings(), &f, c, t0())
        .await
        .expect("ingest")
    {
        Ingested::Applied { customer, .. } => customer.id,
        Ingested::AlreadyApplied { customer_id } => customer_id,
    }
}

/// The store, failing every write after the first `budget` (a process killed mid-merge).
struct Interrupting {
    inner: Arc<dyn Store>,
    budget: AtomicUsize,
}

impl Interrupting {
    fn spend(&self) -> Result<(), StoreError> {
        let left = self.budget.load(Ordering::SeqCst);
        if left == 0 {
            return Err(StoreError::Backend("killed".into()));
        }
        self.budget.store(left - 1, Ordering::SeqCst);
        Ok(())
    }
}

#[async_trait::async_trait]
impl Store for Interrupting {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.inner.get(key).await
    }
    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Item>, StoreError> {
        self.inner.get_many(keys).await
    }
    async fn write(&self, write: Write) -> Result<(), StoreError> {
        self.spend()?;
        self.inner.write(write).await
    }
    async fn transact(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        self.spend()?;
        self.inner.transact(writes).await
    }
    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        self.inner.query(query).await
    }
    fn meter(&self) -> &CapacityMeter {
        self.inner.meter()
    }
}

async fn a_merge_moves_everything_recomputes_kpis_and_finishes_after_an_interruption(
    store: Arc<dyn Store>,
) {
    let s = &*store;
    crm_shared::store::tenants::create(s, &settings())
        .await
        .expect("tenant");
    let ann = Contact {
        name: Some("Ann Murphy".into()),
        phone: Some("+353871234567".into()),
        email: Some("ann@example.ie".into()),
    };
    let ann_again = Contact {
        name: Some("Ann Murphy".into()),
        phone: Some("+353871234599".into()),
        email: Some("ann.murphy@work.ie".into()),
    };
    let keep = book(
        s,
        fact(BookingKind::BookingCompleted, "a1", 1, 1, Some(5_000)),
        &ann,
    )
    .await;
    book(s, fact(BookingKind::BookingNoShow, "a2", 1, 2, None), &ann).await;
    let remove = book(
        s,
        fact(BookingKind::BookingCompleted, "b1", 1, 3, Some(3_000)),
        &ann_again,
    )
    .await;
    book(
        s,
        fact(BookingKind::BookingCreated, "b2", 1, 60, None),
        &ann_again,
    )
    .await;
    assert_ne!(keep, remove, "two records");
    customers::add_note(s, T, &remove, "Allergic to lavender", "staff-1", t0())
        .await
        .expect("note");
    customers::set_tag(s, T, &remove, "sensitive-skin", true, "staff-1", t0())
        .await
        .expect("tag");
    let pair = customers::pairs(s, T, 10)
        .await
        .expect("pairs")
        .into_iter()
        .find(|p| p.existing_id == keep && p.new_id == remove)
        .expect("the pair the second record made");

    // Killed after a few writes: part moved, the removed record still there.
    let killed = Interrupting {
        inner: store.clone(),
        budget: AtomicUsize::new(3),
    };
    let now = t0() + Duration::days(5);
    let first = customers::merge(
        &killed,
        &settings(),
        &keep,
        &remove,
        &pair.id,
        &pair.id,
        now,
    )
    .await;
    assert!(first.is_err(), "interrupted");
    // Run again: it finishes.
    let kept = customers::merge(s, &settings(), &keep, &remove, &pair.id, &pair.id, now)
        .await
        .expect("the merge finishes");
    assert_eq!(
        (
            kept.totals.bookings,
            kept.totals.visits,
            kept.totals.no_shows
        ),
        (4, 2, 1)
    );
    assert_eq!(
        kept.totals.lifetime_value, 8_000,
        "recomputed from the facts"
    );
    assert_eq!(kept.phones, ["+353871234567", "+353871234599"]);
    assert_eq!(kept.emails, ["ann@example.ie", "ann.murphy@work.ie"]);
    assert!(kept.tags.contains("sensitive-skin"));
    assert_eq!(kept.upcoming.len(), 1, "b2 is still ahead");
    assert_eq!(
        customers::bookings(s, T, &keep)
            .await
            .expect("bookings")
            .len(),
        4
    );
    assert_eq!(customers::get(s, T, &remove).await.expect("get"), None);
    assert_eq!(
        customers::merged_into(s, T, &remove).await.expect("merged"),
        Some(keep.clone())
    );
    assert!(customers::bookings(s, T, &remove)
        .await
        .expect("bookings")
        .is_empty());
    // The note and the audit entry are on the kept timeline.
    let (timeline, _) = customers::timeline_page(s, T, &keep, &[], None, 100, None)
        .await
        .expect("timeline");
    let texts: Vec<&str> = timeline.iter().map(|e| e.text.as_str()).collect();
    assert!(texts.contains(&"Allergic to lavender"), "{texts:?}");
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("Merged with Ann Murphy")),
        "{texts:?}"
    );
    // The phone and a later fact about the removed customer's booking reach the kept one.
    assert_eq!(
        customers::id_by_phone(s, T, "+353871234599")
            .await
            .expect("owner"),
        Some(keep.clone())
    );
    let later = book(
        s,
        fact(BookingKind::BookingCompleted, "b2", 2, 60, Some(4_000)),
        &ann_again,
    )
    .await;
    assert_eq!(later, keep);
    let after = customers::get(s, T, &keep)
        .await
        .expect("get")
        .expect("kept");
    assert_eq!(
        (after.totals.visits, after.totals.lifetime_value),
        (3, 12_000)
    );
    // Again: nothing more moves.
    let again = customers::merge(s, &settings(), &keep, &remove, &pair.id, &pair.id, now)
        .await
        .expect("idempotent");
    assert_eq!(again.totals, after.totals);
    assert_eq!(
        customers::bookings(s, T, &keep)
            .await
            .expect("bookings")
            .len(),
        4
    );
    // Erasing the person erases the removed customer's record too: the old id is gone.
    customers::delete(s, T, &keep).await.expect("erase");
    assert_eq!(
        customers::merged_into(s, T, &remove).await.expect("merged"),
        None,
        "the MERGED record (the removed customer's last copy) is erased with the kept one"
    );
}
