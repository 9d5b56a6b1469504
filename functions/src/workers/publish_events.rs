//! `publish_events`: the table's stream consumer (issue 17: the outbox). Each batch of stream
//! records (a DynamoDB event source mapping with `ReportBatchItemFailures`) is read as
//! changes, their events derived by `crm_shared::store::stream::events_of` (the same
//! derivation crm-local runs over its change log) and published on the bus. A failed publish
//! reports the batch's first record, so Lambda retries the batch from there; a record no
//! event can be read from is logged and passed (retrying cannot mend it). Publishing a
//! record twice gives the same event ids: consumers are idempotent by them.

use crm_shared::domain::events::Event;
use crm_shared::ports::store::{Key, StoreError};
use crm_shared::store::stream::{events_of, item_of_image, Change};
use serde_json::{json, Map, Value};

use crate::context::Ctx;

/// One batch of stream records; the answer is the partial batch response.
pub async fn handle(ctx: &Ctx, event: Value) -> Result<Value, StoreError> {
    let records = event
        .get("Records")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut events: Vec<Event> = Vec::new();
    for record in &records {
        match change_of(record).and_then(|c| events_of(&c)) {
            Ok(found) => events.extend(found),
            Err(e) => tracing::error!(sequence = %sequence(record), error = %e,
                "no event read from a stream record"),
        }
    }
    if events.is_empty() {
        return Ok(json!({"batchItemFailures": []}));
    }
    let types: Vec<&str> = events.iter().map(Event::detail_type).collect();
    tracing::info!(records = records.len(), events = ?types, "publishing from the stream");
    match ctx.bus.publish(events).await {
        Ok(()) => Ok(json!({"batchItemFailures": []})),
        Err(e) => {
            tracing::error!(error = %e, "stream events not published; the batch is retried");
            let first = records.first().map(sequence).unwrap_or_default();
            Ok(json!({"batchItemFailures": [{"itemIdentifier": first}]}))
        }
    }
}

fn sequence(record: &Value) -> String {
    record
        .pointer("/dynamodb/SequenceNumber")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// A stream record as a change. The stream carries new images only: an insert has no old
/// image, and any other change an empty one (it existed; what it held is not needed).
fn change_of(record: &Value) -> Result<Change, StoreError> {
    let image = |name: &str| -> Result<Option<_>, StoreError> {
        record
            .pointer(&format!("/dynamodb/{name}"))
            .and_then(Value::as_object)
            .map(item_of_image)
            .transpose()
    };
    let keys = image("Keys")?.ok_or_else(|| StoreError::Corrupt("record without keys".into()))?;
    let key = Key::of(&keys).ok_or_else(|| StoreError::Corrupt("record keys not PK/SK".into()))?;
    let old = match record.get("eventName").and_then(Value::as_str) {
        Some("INSERT") => None,
        _ => Some(Map::new()),
    };
    Ok(Change {
        key,
        old,
        new: image("NewImage")?,
    })
}
