//! Rate limits on public captures (issue 17): the same counting on both adapters, SQLite in
//! memory and DynamoDB on moto. One client over its limit is refused while another client
//! and another tenant still get through; a new minute starts afresh; a refusal writes
//! nothing; the counter keeps no address and expires.

mod support;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use crm_shared::domain::tenant::CaptureLimits;
use crm_shared::domain::tenant::SmsLimits;
use crm_shared::ports::store::Store;
use crm_shared::store::keys;
use crm_shared::store::limits::{admit_capture, admit_text, Admission, TextAdmission};

on_both_stores!(
    "limits":
    a_burst_from_one_client_is_limited_while_another_client_and_tenant_still_capture,
    the_tenant_wide_limit_holds_across_clients_and_a_new_minute_starts_afresh,
    the_counter_holds_no_client_address_and_expires_after_its_minute,
    daily_text_caps_hold_per_number_and_per_tenant_and_a_held_text_counts_for_neither,
    texts_sent_at_once_are_each_counted_once_and_the_cap_holds_exactly,
);

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-16T10:00:15Z")
        .map(|t| t.with_timezone(&Utc))
        .expect("time")
}

const LIMITS: CaptureLimits = CaptureLimits {
    per_minute: 5,
    per_client_per_minute: 3,
};

async fn admit(store: &dyn Store, tenant: &str, client: &str, at: DateTime<Utc>) -> Admission {
    admit_capture(store, tenant, Some(client), &LIMITS, at)
        .await
        .expect("limiter")
}

async fn a_burst_from_one_client_is_limited_while_another_client_and_tenant_still_capture(
    store: Arc<dyn Store>,
) {
    let s = store.as_ref();
    for i in 0..3 {
        let at = t0() + Duration::seconds(i);
        assert_eq!(
            admit(s, "acme", "203.0.113.7", at).await,
            Admission::Admitted
        );
    }
    // The fourth within the minute (at 10:00:18) waits for the minute's end: 42 s.
    assert_eq!(
        admit(s, "acme", "203.0.113.7", t0() + Duration::seconds(3)).await,
        Admission::Limited { retry_after: 42 }
    );
    assert_eq!(
        admit(s, "acme", "198.51.100.20", t0() + Duration::seconds(4)).await,
        Admission::Admitted,
        "another client of the same tenant"
    );
    assert_eq!(
        admit(s, "bistro", "203.0.113.7", t0() + Duration::seconds(5)).await,
        Admission::Admitted,
        "the same client on another tenant's form"
    );
    // A refusal counted nothing: acme has 4 captures, so one more client gets in.
    let counter = s
        .get(&keys::capture_limit_key("acme", t0().timestamp() / 60))
        .await
        .expect("get")
        .expect("counter");
    assert_eq!(counter.get("n").and_then(|n| n.as_i64()), Some(4));
}

async fn the_tenant_wide_limit_holds_across_clients_and_a_new_minute_starts_afresh(
    store: Arc<dyn Store>,
) {
    let s = store.as_ref();
    for i in 0..5 {
        let client = format!("198.51.100.{i}");
        let at = t0() + Duration::seconds(i);
        assert_eq!(admit(s, "acme", &client, at).await, Admission::Admitted);
    }
    assert!(matches!(
        admit(s, "acme", "198.51.100.99", t0() + Duration::seconds(10)).await,
        Admission::Limited { .. }
    ));
    // Without a known address only the tenant-wide count applies, and it is full too.
    assert!(matches!(
        admit_capture(s, "acme", None, &LIMITS, t0() + Duration::seconds(11))
            .await
            .expect("limiter"),
        Admission::Limited { .. }
    ));
    assert_eq!(
        admit(s, "acme", "198.51.100.99", t0() + Duration::seconds(50)).await,
        Admission::Admitted,
        "10:01:05 is a new minute"
    );
}

async fn the_counter_holds_no_client_address_and_expires_after_its_minute(store: Arc<dyn Store>) {
    let s = store.as_ref();
    admit(s, "acme", "203.0.113.7", t0()).await;
    let counter = s
        .get(&keys::capture_limit_key("acme", t0().timestamp() / 60))
        .await
        .expect("get")
        .expect("counter");
    let text = serde_json::to_string(&counter).expect("json");
    assert!(!text.contains("203.0.113"), "{text}");
    let window_ends = (t0().timestamp() / 60 + 1) * 60;
    assert_eq!(
        counter.get("expires_at").and_then(|e| e.as_i64()),
        Some(window_ends + 60)
    );
}

async fn daily_text_caps_hold_per_number_and_per_tenant_and_a_held_text_counts_for_neither(
    store: Arc<dyn Store>,
) {
    let s = store.as_ref();
    let caps = SmsLimits {
        per_number_per_day: 2,
        per_day: 3,
    };
    let text = |to: &'static str| admit_text(s, "acme", to, &caps, t0());
    assert_eq!(
        text("+353871111111").await.expect("text"),
        TextAdmission::Admitted
    );
    assert_eq!(
        text("+353871111111").await.expect("text"),
        TextAdmission::Admitted
    );
    assert_eq!(
        text("+353871111111").await.expect("text"),
        TextAdmission::NumberCap
    );
    // The number's refusal did not spend the tenant's third text.
    assert_eq!(
        text("+353872222222").await.expect("text"),
        TextAdmission::Admitted
    );
    assert_eq!(
        text("+353873333333").await.expect("text"),
        TextAdmission::TenantCap
    );
    assert_eq!(
        admit_text(s, "bistro", "+353871111111", &caps, t0())
            .await
            .expect("text"),
        TextAdmission::Admitted,
        "another tenant counts its own"
    );
    assert_eq!(
        admit_text(s, "acme", "+353871111111", &caps, t0() + Duration::days(1))
            .await
            .expect("text"),
        TextAdmission::Admitted,
        "a new day"
    );
}

async fn texts_sent_at_once_are_each_counted_once_and_the_cap_holds_exactly(store: Arc<dyn Store>) {
    let caps = SmsLimits {
        per_number_per_day: 5,
        per_day: 12,
    };
    let mut sending = tokio::task::JoinSet::new();
    for i in 0..20 {
        let store = store.clone();
        sending.spawn(async move {
            admit_text(
                store.as_ref(),
                "acme",
                &format!("+3538712340{i:02}"),
                &caps,
                t0(),
            )
            .await
            .expect("text")
        });
    }
    let mut admitted = 0;
    let mut held = 0;
    while let Some(done) = sending.join_next().await {
        match done.expect("task") {
            TextAdmission::Admitted => admitted += 1,
            TextAdmission::TenantCap => held += 1,
            TextAdmission::NumberCap => panic!("every number is different"),
        }
    }
    assert_eq!((admitted, held), (12, 8));
}
