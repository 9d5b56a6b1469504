//! Access patterns over the store port, written once for both adapters.

pub mod accounts;
#[cfg(feature = "embedded")]
pub mod change_log;
pub mod conversions;
pub mod customers;
pub mod daily;
pub mod hourly;
pub mod imports;
pub mod keys;
pub mod leads;
pub mod limits;
pub mod members;
pub mod messages;
pub mod page;
pub mod privacy;
pub mod replays;
pub mod retry;
pub mod senders;
pub mod stale;
pub mod stats;
pub mod stream;
pub mod tenants;

// Calls, the missed-call recovery queue and follow-up tasks (issue 5 items 4 and 6).
pub mod calls;
pub mod tasks;

/// Deletes `keys` (any number), 50 to a transaction; the caller deletes what names them last,
/// so an interrupted run can simply be run again.
pub(crate) async fn delete_keys(
    store: &dyn crate::ports::store::Store,
    keys: &[crate::ports::store::Key],
) -> Result<(), crate::ports::store::StoreError> {
    use crate::ports::store::Write;
    for chunk in keys.chunks(50) {
        let writes = chunk
            .iter()
            .map(|k| Write::Delete {
                key: k.clone(),
                check: None,
            })
            .collect();
        store.transact(writes).await?;
    }
    Ok(())
}

/// Every key of partition `pk` (all pages).
pub(crate) async fn partition_keys(
    store: &dyn crate::ports::store::Store,
    pk: String,
) -> Result<Vec<crate::ports::store::Key>, crate::ports::store::StoreError> {
    use crate::ports::store::{Index, Key, Query};
    let mut keys = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .query(
                &Query::new(Index::Primary, pk.clone())
                    .limit(100)
                    .after(cursor),
            )
            .await?;
        keys.extend(page.items.iter().filter_map(Key::of));
        match page.next {
            Some(c) => cursor = Some(c),
            None => return Ok(keys),
        }
    }
}
