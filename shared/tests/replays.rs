//! Replay memory of signed webhooks (issue 17) on both adapters: a remembered signature is
//! seen again by its tenant only, and its mark expires with the signature's window.

mod support;

use std::sync::Arc;

use crm_shared::ports::store::Store;
use crm_shared::store::{keys, replays};

on_both_stores!(
    "replays":
    a_remembered_signature_is_seen_by_its_tenant_only_and_expires,
);

async fn a_remembered_signature_is_seen_by_its_tenant_only_and_expires(store: Arc<dyn Store>) {
    let s = store.as_ref();
    assert!(!replays::seen(s, "acme", "f00d").await.expect("seen"));
    replays::remember(s, "acme", "f00d", 1_795_000_360)
        .await
        .expect("remember");
    assert!(replays::seen(s, "acme", "f00d").await.expect("seen"));
    assert!(!replays::seen(s, "bistro", "f00d").await.expect("seen"));
    assert!(!replays::seen(s, "acme", "beef").await.expect("seen"));
    let mark = s
        .get(&keys::signature_seen_key("acme", "f00d"))
        .await
        .expect("get")
        .expect("mark");
    assert_eq!(
        mark.get("expires_at").and_then(|e| e.as_i64()),
        Some(1_795_000_360)
    );
}
