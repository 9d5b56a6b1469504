//! Replay memory of signed webhooks (issue 17): a signed request applied once is
//! remembered for its signature's window, so the same request sent again (a replay of a
//! captured `START`, say) is recognised and does nothing. The mark is written after the
//! request's effects, never before: a sender's retry after a failure must be applied, not
//! taken for a replay. Two identical requests at the same moment may both be applied; every
//! hook is idempotent for its own facts, so that costs nothing but the write.

use crate::ports::store::{Store, StoreError, Write};
use crate::store::keys;

/// Whether the request with `fingerprint` was applied for `tenant` within its window.
pub async fn seen(store: &dyn Store, tenant: &str, fingerprint: &str) -> Result<bool, StoreError> {
    Ok(store
        .get(&keys::signature_seen_key(tenant, fingerprint))
        .await?
        .is_some())
}

/// Remembers that the request with `fingerprint` was applied, until `expires_at` (unix s).
pub async fn remember(
    store: &dyn Store,
    tenant: &str,
    fingerprint: &str,
    expires_at: i64,
) -> Result<(), StoreError> {
    let mut item = keys::signature_seen_key(tenant, fingerprint).item();
    item.insert("expires_at".into(), expires_at.into());
    store.write(Write::put(item)).await
}
