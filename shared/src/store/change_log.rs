//! The local store's change log, published (the stand-in for the table's stream and its
//! `publish_events` consumer; crm-local runs it every few milliseconds).

use crate::adapters::sqlite::SqliteStore;
use crate::ports::bus::{BusError, EventBus};
use crate::ports::store::StoreError;
use crate::store::stream::events_of;

/// Publishes the events of the local store's change log on `bus`, oldest first, and forgets
/// what it published: `limit` changes at most; how many changes it read. A crash between
/// the publish and the forgetting publishes them again on the next drain (the same event
/// ids: consumers are idempotent by them); a failed publish forgets nothing.
pub async fn publish(
    store: &SqliteStore,
    bus: &dyn EventBus,
    limit: u32,
) -> Result<usize, DrainError> {
    let changes = store.changes(limit).await?;
    let Some((last, _)) = changes.last() else {
        return Ok(0);
    };
    let last = *last;
    let mut events = Vec::new();
    for (seq, change) in &changes {
        match events_of(change) {
            Ok(found) => events.extend(found),
            // A change no event can be read from will not get better: logged and passed.
            Err(e) => tracing::error!(seq, key = ?change.key, error = %e,
                "no event read from a change"),
        }
    }
    if !events.is_empty() {
        bus.publish(events).await?;
    }
    store.forget_changes(last).await?;
    Ok(changes.len())
}

/// Why a drain stopped.
#[derive(Debug, thiserror::Error)]
pub enum DrainError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Bus(#[from] BusError),
}
