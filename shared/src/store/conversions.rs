//! What the Conversions API sender keeps (DESIGN §2.5): a marker per event sent, so a
//! redelivered message sends nothing twice, and a record of each event dropped as too old.
//!
//! | item | PK | SK |
//! |---|---|---|
//! | sent marker (expires after Meta's own window) | `T#t#CAPI#SENT` | event id |
//! | dropped event | `T#t#CAPI#DROPPED` | event id |

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use crate::domain::booking::BookingState;
use crate::domain::conversion::DroppedEvent;
use crate::domain::conversion::MAX_EVENT_AGE_DAYS;
use crate::ports::store::{
    from_item, to_item, Check, Cond, Query, Store, StoreError, Write, EXPIRES_AT, PK, SK,
};
use crate::store::keys::{booking_key, capi_dropped_pk, capi_sent_key};

/// Whether the event was sent already.
pub async fn was_sent(store: &dyn Store, tenant: &str, event_id: &str) -> Result<bool, StoreError> {
    Ok(store.get(&capi_sent_key(tenant, event_id)).await?.is_some())
}

/// Marks the event sent. A second marker for the same event (a concurrent delivery that sent
/// too; Meta deduplicates it by the event id) is not an error.
pub async fn mark_sent(
    store: &dyn Store,
    tenant: &str,
    event_id: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let key = capi_sent_key(tenant, event_id);
    let mut item = crate::ports::store::Item::new();
    item.insert(PK.into(), key.pk.into());
    item.insert(SK.into(), key.sk.into());
    item.insert("sent_at".into(), Value::String(now.to_rfc3339()));
    // Past Meta's window an event can't be sent anyway, so the marker can go.
    let expires = now + Duration::days(MAX_EVENT_AGE_DAYS + 1);
    item.insert(EXPIRES_AT.into(), expires.timestamp().into());
    let put = Write::put(item).with_check(Check::new("capi_event_not_sent", Cond::NotExists));
    match store.write(put).await {
        Ok(()) | Err(StoreError::ConditionFailed(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Records a dropped event (once: a redelivery overwrites the same item).
pub async fn record_dropped(
    store: &dyn Store,
    tenant: &str,
    dropped: &DroppedEvent,
) -> Result<(), StoreError> {
    let mut item = to_item(dropped)?;
    item.insert(PK.into(), capi_dropped_pk(tenant).into());
    item.insert(SK.into(), dropped.event_id.clone().into());
    store.write(Write::put(item)).await
}

/// The tenant's dropped events (first page, oldest event id first).
pub async fn dropped(
    store: &dyn Store,
    tenant: &str,
    limit: u32,
) -> Result<Vec<DroppedEvent>, StoreError> {
    store
        .query(
            &Query::new(crate::ports::store::Index::Primary, capi_dropped_pk(tenant)).limit(limit),
        )
        .await?
        .typed()
}

/// A customer's booking, by id.
pub async fn booking(
    store: &dyn Store,
    tenant: &str,
    customer_id: &str,
    booking_id: &str,
) -> Result<Option<BookingState>, StoreError> {
    if customer_id.contains('#') || booking_id.contains('#') {
        return Ok(None);
    }
    store
        .get(&booking_key(tenant, customer_id, booking_id))
        .await?
        .map(|item| from_item(&item))
        .transpose()
}
