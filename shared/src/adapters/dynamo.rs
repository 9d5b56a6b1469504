//! `DynamoStore`: the store port on one DynamoDB table (DESIGN §4).
//!
//! Every `Cond` is compiled into a condition or filter expression with attribute name and value
//! placeholders, every `Update` into one update expression, and a transaction into one
//! `TransactWriteItems` whose cancellation reasons are mapped back to the name of the check
//! that failed. Items are converted with `serde_dynamo`. The capacity meter counts units from
//! the item images by DynamoDB's sizing rules; `ConsumedCapacity` is not used, because moto
//! does not report it faithfully and the meter must read the same on both adapters.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, CancellationReason, ConditionCheck, Delete,
    GlobalSecondaryIndex, KeySchemaElement, KeyType, KeysAndAttributes, Projection, ProjectionType,
    Put, ReturnValue, ScalarAttributeType, TableStatus, TimeToLiveSpecification, TransactWriteItem,
};
use aws_sdk_dynamodb::Client;
use serde_json::Value;

use crate::ports::store::capacity::{item_size, CapacityMeter, ReadKind};
use crate::ports::store::{
    table, validate_transaction, Check, Cond, Cursor, Index, Item, Key, Page, Query, SkCond, Store,
    StoreError, Update, Write, EXPIRES_AT, PK, SK,
};

/// A DynamoDB item as the SDK holds it.
type DynamoItem = HashMap<String, AttributeValue>;

/// Most keys one `BatchGetItem` call may ask for.
const BATCH_GET_KEYS: usize = 100;
/// Rounds of retrying `UnprocessedKeys` before the read is reported as throttled.
const BATCH_GET_ROUNDS: u32 = 8;

#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
    meter: Arc<CapacityMeter>,
}

impl DynamoStore {
    pub fn new(client: Client, table_name: String) -> Self {
        Self {
            client,
            table: table_name,
            meter: Arc::new(CapacityMeter::default()),
        }
    }

    pub fn table_name(&self) -> &str {
        &self.table
    }

    /// Creates the table from the shared definition (`ports::store::table`): string `PK`/`SK`,
    /// `GSI1`…`GSI{GSI_COUNT}` projecting all attributes, on-demand billing, TTL on
    /// `expires_at`. Used by tests and local tooling; deployments create it from the template.
    pub async fn create_table(&self) -> Result<(), StoreError> {
        let mut attrs = vec![string_attr(PK)?, string_attr(SK)?];
        let mut indexes = Vec::new();
        for n in 1..=table::GSI_COUNT {
            let (pk, sk) = (table::gsi_pk(n), table::gsi_sk(n));
            attrs.push(string_attr(&pk)?);
            attrs.push(string_attr(&sk)?);
            indexes.push(
                GlobalSecondaryIndex::builder()
                    .index_name(table::gsi_name(n))
                    .key_schema(key_element(&pk, KeyType::Hash)?)
                    .key_schema(key_element(&sk, KeyType::Range)?)
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::All)
                            .build(),
                    )
                    .build()
                    .map_err(invalid)?,
            );
        }
        self.client
            .create_table()
            .table_name(&self.table)
            .set_attribute_definitions(Some(attrs))
            .key_schema(key_element(PK, KeyType::Hash)?)
            .key_schema(key_element(SK, KeyType::Range)?)
            .set_global_secondary_indexes(Some(indexes))
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await
            .map_err(|e| sdk_error(e, None))?;
        self.wait_until_active().await?;
        let ttl = TimeToLiveSpecification::builder()
            .attribute_name(EXPIRES_AT)
            .enabled(true)
            .build()
            .map_err(invalid)?;
        // TTL only sweeps expired items; the table works without it, so a backend that does
        // not support it (an older emulator) is not a reason to fail.
        if let Err(e) = self
            .client
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(ttl)
            .send()
            .await
        {
            tracing::warn!(table = %self.table, error = %DisplayErrorContext(&e), "TTL not enabled");
        }
        Ok(())
    }

    async fn wait_until_active(&self) -> Result<(), StoreError> {
        for attempt in 0..60u64 {
            let described = self
                .client
                .describe_table()
                .table_name(&self.table)
                .send()
                .await
                .map_err(|e| sdk_error(e, None))?;
            let status = described.table().and_then(|t| t.table_status());
            if matches!(status, Some(TableStatus::Active)) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(200 * attempt.min(10) + 100)).await;
        }
        Err(StoreError::Backend(format!(
            "table {} did not become active",
            self.table
        )))
    }

    async fn put(&self, item: Item, check: Option<Check>) -> Result<(), StoreError> {
        validate_item(&item)?;
        let mut expr = Expr::default();
        let condition = check.as_ref().map(|c| expr.cond(&c.cond)).transpose()?;
        let name = check.as_ref().map(|c| c.name);
        let out = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_dynamo(&item)?))
            .set_condition_expression(condition)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| sdk_error(e, name))?;
        let before = out.attributes.map(from_dynamo).transpose()?;
        self.meter.record_write(before.as_ref(), Some(&item), false);
        Ok(())
    }

    async fn update(
        &self,
        key: Key,
        update: Update,
        check: Option<Check>,
    ) -> Result<(), StoreError> {
        validate_key(&key)?;
        let mut expr = Expr::default();
        let update_expression = expr.update(&update)?;
        let condition = check.as_ref().map(|c| expr.cond(&c.cond)).transpose()?;
        let name = check.as_ref().map(|c| c.name);
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(dynamo_key(&key)))
            .set_update_expression(update_expression)
            .set_condition_expression(condition)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            // The old image gives both sides: the new one is the update applied to it.
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| sdk_error(e, name))?;
        let before = out.attributes.map(from_dynamo).transpose()?;
        let mut after = before.clone().unwrap_or_else(|| key_item(&key));
        update.apply(&mut after);
        self.meter
            .record_write(before.as_ref(), Some(&after), false);
        Ok(())
    }

    async fn delete(&self, key: Key, check: Option<Check>) -> Result<(), StoreError> {
        validate_key(&key)?;
        let mut expr = Expr::default();
        let condition = check.as_ref().map(|c| expr.cond(&c.cond)).transpose()?;
        let name = check.as_ref().map(|c| c.name);
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(dynamo_key(&key)))
            .set_condition_expression(condition)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| sdk_error(e, name))?;
        let before = out.attributes.map(from_dynamo).transpose()?;
        self.meter.record_write(before.as_ref(), None, false);
        Ok(())
    }

    /// One `TransactWriteItems` element for `write`, and what it is metered as.
    fn transact_item(&self, write: &Write) -> Result<TransactWriteItem, StoreError> {
        let mut expr = Expr::default();
        let condition = write.check().map(|c| expr.cond(&c.cond)).transpose()?;
        let item = match write {
            Write::Put { item, .. } => {
                validate_item(item)?;
                TransactWriteItem::builder()
                    .put(
                        Put::builder()
                            .table_name(&self.table)
                            .set_item(Some(to_dynamo(item)?))
                            .set_condition_expression(condition)
                            .set_expression_attribute_names(expr.names())
                            .set_expression_attribute_values(expr.values())
                            .build()
                            .map_err(invalid)?,
                    )
                    .build()
            }
            Write::Update { key, update, .. } => {
                validate_key(key)?;
                let update_expression = expr.update(update)?.ok_or_else(|| {
                    StoreError::Invalid(
                        "an update in a transaction needs at least one change".into(),
                    )
                })?;
                TransactWriteItem::builder()
                    .update(
                        aws_sdk_dynamodb::types::Update::builder()
                            .table_name(&self.table)
                            .set_key(Some(dynamo_key(key)))
                            .update_expression(update_expression)
                            .set_condition_expression(condition)
                            .set_expression_attribute_names(expr.names())
                            .set_expression_attribute_values(expr.values())
                            .build()
                            .map_err(invalid)?,
                    )
                    .build()
            }
            Write::Delete { key, .. } => {
                validate_key(key)?;
                TransactWriteItem::builder()
                    .delete(
                        Delete::builder()
                            .table_name(&self.table)
                            .set_key(Some(dynamo_key(key)))
                            .set_condition_expression(condition)
                            .set_expression_attribute_names(expr.names())
                            .set_expression_attribute_values(expr.values())
                            .build()
                            .map_err(invalid)?,
                    )
                    .build()
            }
            Write::ConditionCheck { key, .. } => {
                validate_key(key)?;
                TransactWriteItem::builder()
                    .condition_check(
                        ConditionCheck::builder()
                            .table_name(&self.table)
                            .set_key(Some(dynamo_key(key)))
                            .set_condition_expression(condition)
                            .set_expression_attribute_names(expr.names())
                            .set_expression_attribute_values(expr.values())
                            .build()
                            .map_err(invalid)?,
                    )
                    .build()
            }
        };
        Ok(item)
    }

    /// Meters a committed transaction. `TransactWriteItems` cannot return item images, so
    /// the units are a lower bound where the old image is unknown: a put counts as a new
    /// item (an overwritten larger item, or one leaving an index, would cost more); an update
    /// counts the key plus the changed attributes (the untouched rest of the item is not
    /// known); a delete counts its key only; a condition check counts the minimum read.
    /// Reading every item first would make the meter exact at twice the real cost.
    fn meter_transaction(&self, writes: &[Write]) {
        for write in writes {
            match write {
                Write::Put { item, .. } => self.meter.record_write(None, Some(item), true),
                Write::Update { key, update, .. } => {
                    let mut after = key_item(key);
                    update.apply(&mut after);
                    self.meter.record_write(None, Some(&after), true);
                }
                Write::Delete { key, .. } => {
                    self.meter.record_write(Some(&key_item(key)), None, true)
                }
                Write::ConditionCheck { .. } => self.meter.record_condition_check(None),
            }
        }
    }

    /// One `BatchGetItem` chunk, retrying unprocessed keys with backoff.
    async fn batch_get(&self, keys: &[Key]) -> Result<Vec<Item>, StoreError> {
        let mut pending: Vec<DynamoItem> = keys.iter().map(dynamo_key).collect();
        let mut found = Vec::with_capacity(keys.len());
        for round in 0..BATCH_GET_ROUNDS {
            if round > 0 {
                tokio::time::sleep(Duration::from_millis(50 << round.min(6))).await;
            }
            let request = KeysAndAttributes::builder()
                .set_keys(Some(std::mem::take(&mut pending)))
                .consistent_read(true)
                .build()
                .map_err(invalid)?;
            let mut out = self
                .client
                .batch_get_item()
                .request_items(&self.table, request)
                .send()
                .await
                .map_err(|e| sdk_error(e, None))?;
            if let Some(mut responses) = out.responses.take() {
                for item in responses.remove(&self.table).unwrap_or_default() {
                    found.push(from_dynamo(item)?);
                }
            }
            pending = out
                .unprocessed_keys
                .take()
                .and_then(|mut u| u.remove(&self.table))
                .map(|k| k.keys)
                .unwrap_or_default();
            if pending.is_empty() {
                return Ok(found);
            }
        }
        Err(StoreError::Throttled)
    }
}

#[async_trait]
impl Store for DynamoStore {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        validate_key(key)?;
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(dynamo_key(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| sdk_error(e, None))?;
        let item = out.item.map(from_dynamo).transpose()?;
        self.meter
            .record_read(item.as_ref().map(item_size).unwrap_or(1), ReadKind::Strong);
        Ok(item)
    }

    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Item>, StoreError> {
        // BatchGetItem refuses duplicate keys; ask once per key, answer in the caller's order.
        let mut unique = Vec::with_capacity(keys.len());
        let mut seen = HashSet::new();
        for key in keys {
            validate_key(key)?;
            if seen.insert(key) {
                unique.push(key.clone());
            }
        }
        let mut by_key = HashMap::with_capacity(unique.len());
        for chunk in unique.chunks(BATCH_GET_KEYS) {
            for item in self.batch_get(chunk).await? {
                if let Some(key) = Key::of(&item) {
                    by_key.insert(key, item);
                }
            }
        }
        // Each item of a batch is metered on its own, a missing one at the minimum.
        for key in &unique {
            let size = by_key.get(key).map(item_size).unwrap_or(1);
            self.meter.record_read(size, ReadKind::Strong);
        }
        Ok(keys.iter().filter_map(|k| by_key.get(k).cloned()).collect())
    }

    async fn write(&self, write: Write) -> Result<(), StoreError> {
        match write {
            Write::Put { item, check } => self.put(item, check).await,
            Write::Update { key, update, check } => self.update(key, update, check).await,
            Write::Delete { key, check } => self.delete(key, check).await,
            // DynamoDB has no lone condition check: it is a transaction of one.
            write @ Write::ConditionCheck { .. } => self.transact(vec![write]).await,
        }
    }

    async fn transact(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        validate_transaction(&writes)?;
        let items = writes
            .iter()
            .map(|w| self.transact_item(w))
            .collect::<Result<Vec<_>, _>>()?;
        let sent = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match sent {
            Ok(_) => {
                self.meter_transaction(&writes);
                Ok(())
            }
            Err(err) => {
                if let Some(TransactWriteItemsError::TransactionCanceledException(e)) =
                    err.as_service_error()
                {
                    return Err(cancelled(&writes, e.cancellation_reasons(), e.message()));
                }
                Err(sdk_error(err, None))
            }
        }
    }

    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        let (pk_attr, sk_attr) = match query.index {
            Index::Primary => query.index.key_attrs(),
            Index::Gsi(n) if (1..=table::GSI_COUNT).contains(&n) => query.index.key_attrs(),
            Index::Gsi(n) => return Err(StoreError::Invalid(format!("no index GSI{n}"))),
        };
        let start = match &query.cursor {
            Some(cursor) => Some(start_key(cursor, query)?),
            None => None,
        };
        let kind = match query.index {
            Index::Primary => ReadKind::Strong,
            Index::Gsi(_) => ReadKind::Eventual,
        };
        if let SkCond::Between(lo, hi) = &query.sk {
            // DynamoDB refuses an empty range; the answer is an empty page.
            if lo.as_bytes() > hi.as_bytes() {
                self.meter.record_read(0, kind);
                return Ok(Page::default());
            }
        }
        let mut expr = Expr::default();
        let key_condition = expr.key_condition(&pk_attr, &query.pk, &sk_attr, &query.sk)?;
        let filter = query.filter.as_ref().map(|f| expr.cond(f)).transpose()?;
        let mut request = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression(key_condition)
            .set_filter_expression(filter)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .scan_index_forward(!query.descending)
            .limit(i32::try_from(query.limit.max(1)).unwrap_or(i32::MAX))
            .set_exclusive_start_key(start);
        match query.index {
            Index::Primary => request = request.consistent_read(true),
            Index::Gsi(n) => request = request.index_name(table::gsi_name(n)),
        }
        let out = request.send().await.map_err(|e| sdk_error(e, None))?;
        let items = out
            .items
            .unwrap_or_default()
            .into_iter()
            .map(from_dynamo)
            .collect::<Result<Vec<_>, _>>()?;
        // DynamoDB charges for everything the query evaluated, filtered out or not; only the
        // items that passed the filter come back, so with a filter this is a lower bound.
        self.meter
            .record_read(items.iter().map(item_size).sum(), kind);
        let next = out
            .last_evaluated_key
            .map(|k| cursor_of(&k, query.index))
            .transpose()?;
        Ok(Page { items, next })
    }

    fn meter(&self) -> &CapacityMeter {
        &self.meter
    }
}

/// Maps a failed transaction to the port's error. The reasons come in the order of the
/// writes; the first failed condition wins (retrying would not change it), then a conflict
/// (retryable), then throttling, then an invalid item.
fn cancelled(
    writes: &[Write],
    reasons: &[CancellationReason],
    message: Option<&str>,
) -> StoreError {
    let mut codes: Vec<String> = reasons
        .iter()
        .map(|r| r.code().unwrap_or("None").to_owned())
        .collect();
    if codes.is_empty() {
        // Some emulators leave the reasons out; the message lists them: "… [None, Code]".
        codes = message
            .and_then(|m| {
                let open = m.rfind('[')?;
                let close = m[open..].find(']')? + open;
                Some(
                    m[open + 1..close]
                        .split(',')
                        .map(|c| c.trim().to_owned())
                        .collect(),
                )
            })
            .unwrap_or_default();
    }
    let first = |wanted: &[&str]| codes.iter().position(|c| wanted.contains(&c.as_str()));
    if let Some(i) = first(&["ConditionalCheckFailed"]) {
        return match writes.get(i).and_then(Write::check) {
            Some(check) => StoreError::ConditionFailed(check.name),
            None => StoreError::Backend(format!("item {i} failed a condition it did not have")),
        };
    }
    if first(&["TransactionConflict"]).is_some() {
        return StoreError::Conflict;
    }
    if first(&[
        "ThrottlingError",
        "ProvisionedThroughputExceeded",
        "RequestLimitExceeded",
    ])
    .is_some()
    {
        return StoreError::Throttled;
    }
    let detail = message.unwrap_or("transaction cancelled").to_owned();
    if first(&["ValidationError", "ItemCollectionSizeLimitExceeded"]).is_some() {
        return StoreError::Invalid(detail);
    }
    StoreError::Backend(detail)
}

/// The one mapping from SDK errors to the port's errors. `check` names the condition of a
/// single conditional write.
fn sdk_error<E>(err: SdkError<E>, check: Option<&'static str>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let message = || err.message().unwrap_or_default().to_owned();
    match err.code() {
        Some("ConditionalCheckFailedException") => match check {
            Some(name) => StoreError::ConditionFailed(name),
            None => StoreError::Backend(format!("unexpected condition failure: {}", message())),
        },
        Some(
            "TransactionConflictException"
            | "TransactionInProgressException"
            | "ReplicatedWriteConflictException",
        ) => StoreError::Conflict,
        Some(
            "ThrottlingException"
            | "Throttling"
            | "ProvisionedThroughputExceededException"
            | "RequestLimitExceeded",
        ) => StoreError::Throttled,
        Some("ValidationException" | "ItemCollectionSizeLimitExceededException") => {
            StoreError::Invalid(message())
        }
        _ => StoreError::Backend(DisplayErrorContext(&err).to_string()),
    }
}

fn invalid(e: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(e.to_string())
}

fn string_attr(name: &str) -> Result<AttributeDefinition, StoreError> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(invalid)
}

fn key_element(name: &str, kind: KeyType) -> Result<KeySchemaElement, StoreError> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .map_err(invalid)
}

fn validate_key(key: &Key) -> Result<(), StoreError> {
    if key.pk.is_empty() || key.sk.is_empty() {
        return Err(StoreError::Invalid("PK and SK must not be empty".into()));
    }
    Ok(())
}

fn validate_item(item: &Item) -> Result<(), StoreError> {
    let key =
        Key::of(item).ok_or_else(|| StoreError::Invalid("item needs string PK and SK".into()))?;
    validate_key(&key)
}

fn dynamo_key(key: &Key) -> DynamoItem {
    HashMap::from([
        (PK.to_owned(), AttributeValue::S(key.pk.clone())),
        (SK.to_owned(), AttributeValue::S(key.sk.clone())),
    ])
}

/// An item holding only its key (the image an update starts from when the item is absent).
fn key_item(key: &Key) -> Item {
    let mut item = Item::new();
    item.insert(PK.into(), key.pk.clone().into());
    item.insert(SK.into(), key.sk.clone().into());
    item
}

fn to_dynamo(item: &Item) -> Result<DynamoItem, StoreError> {
    serde_dynamo::to_item(item).map_err(invalid)
}

fn from_dynamo(item: DynamoItem) -> Result<Item, StoreError> {
    match serde_dynamo::from_item::<_, Value>(item) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(StoreError::Corrupt("stored item is not a map".into())),
        Err(e) => Err(StoreError::Corrupt(e.to_string())),
    }
}

fn to_value(value: &Value) -> Result<AttributeValue, StoreError> {
    serde_dynamo::to_attribute_value(value).map_err(invalid)
}

/// The `ExclusiveStartKey` for a query's cursor: the table key, plus the index key on a GSI.
fn start_key(cursor: &Cursor, query: &Query) -> Result<DynamoItem, StoreError> {
    if !cursor.belongs_to(&query.pk, query.index) {
        return Err(StoreError::Invalid(
            "cursor does not belong to this query".into(),
        ));
    }
    let mut key = dynamo_key(&Key::new(cursor.pk.clone(), cursor.sk.clone()));
    if let Index::Gsi(n) = query.index {
        let (Some(ipk), Some(isk)) = (&cursor.ipk, &cursor.isk) else {
            return Err(StoreError::Invalid("cursor lacks the index key".into()));
        };
        key.insert(table::gsi_pk(n), AttributeValue::S(ipk.clone()));
        key.insert(table::gsi_sk(n), AttributeValue::S(isk.clone()));
    }
    Ok(key)
}

/// The cursor for a query's `LastEvaluatedKey`.
fn cursor_of(last: &DynamoItem, index: Index) -> Result<Cursor, StoreError> {
    let text = |name: &str| match last.get(name) {
        Some(AttributeValue::S(s)) => Ok(s.clone()),
        _ => Err(StoreError::Corrupt(format!(
            "last evaluated key lacks {name}"
        ))),
    };
    let (ipk, isk) = match index {
        Index::Primary => (None, None),
        Index::Gsi(n) => (
            Some(text(&table::gsi_pk(n))?),
            Some(text(&table::gsi_sk(n))?),
        ),
    };
    Ok(Cursor {
        pk: text(PK)?,
        sk: text(SK)?,
        ipk,
        isk,
    })
}

/// Expression text with its attribute name and value placeholders. Names are always
/// placeholders, so reserved words and odd characters in attribute names never matter.
#[derive(Default)]
struct Expr {
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
    placeholder_of: HashMap<String, String>,
}

impl Expr {
    fn name(&mut self, attr: &str) -> String {
        if let Some(p) = self.placeholder_of.get(attr) {
            return p.clone();
        }
        let p = format!("#n{}", self.names.len());
        self.names.insert(p.clone(), attr.to_owned());
        self.placeholder_of.insert(attr.to_owned(), p.clone());
        p
    }

    fn value(&mut self, value: &Value) -> Result<String, StoreError> {
        let p = format!(":v{}", self.values.len());
        self.values.insert(p.clone(), to_value(value)?);
        Ok(p)
    }

    fn text(&mut self, value: &str) -> String {
        let p = format!(":v{}", self.values.len());
        self.values
            .insert(p.clone(), AttributeValue::S(value.to_owned()));
        p
    }

    fn pk_placeholder(&mut self) -> String {
        self.name(PK)
    }

    fn cond(&mut self, cond: &Cond) -> Result<String, StoreError> {
        let compare = |me: &mut Self, a: &str, op: &str, v: &Value| -> Result<String, StoreError> {
            let (n, v) = (me.name(a), me.value(v)?);
            Ok(format!("{n} {op} {v}"))
        };
        Ok(match cond {
            Cond::Exists => format!("attribute_exists({})", self.pk_placeholder()),
            Cond::NotExists => format!("attribute_not_exists({})", self.pk_placeholder()),
            Cond::AttrExists(a) => format!("attribute_exists({})", self.name(a)),
            Cond::AttrNotExists(a) => format!("attribute_not_exists({})", self.name(a)),
            Cond::Eq(a, v) => compare(self, a, "=", v)?,
            // The port's `Ne` holds when the attribute is absent; say so explicitly rather
            // than rely on how `<>` treats a missing attribute.
            Cond::Ne(a, v) => {
                let ne = compare(self, a, "<>", v)?;
                format!("(attribute_not_exists({}) OR {ne})", self.name(a))
            }
            Cond::Lt(a, v) => compare(self, a, "<", v)?,
            Cond::Le(a, v) => compare(self, a, "<=", v)?,
            Cond::Gt(a, v) => compare(self, a, ">", v)?,
            Cond::Ge(a, v) => compare(self, a, ">=", v)?,
            Cond::BeginsWith(a, prefix) => {
                let (n, v) = (self.name(a), self.text(prefix));
                format!("begins_with({n}, {v})")
            }
            Cond::Contains(a, needle) => {
                let (n, v) = (self.name(a), self.value(needle)?);
                format!("contains({n}, {v})")
            }
            Cond::And(all) => self.join(all, " AND ", true)?,
            Cond::Or(any) => self.join(any, " OR ", false)?,
            Cond::Not(c) => format!("(NOT {})", self.cond(c)?),
        })
    }

    /// Joins conditions with `op`. The expression language has no literals, so an empty `And`
    /// (true) and an empty `Or` (false) are written as tests on the partition key that hold
    /// (or fail) whether or not the item exists.
    fn join(&mut self, conds: &[Cond], op: &str, empty: bool) -> Result<String, StoreError> {
        if conds.is_empty() {
            let pk = self.pk_placeholder();
            return Ok(if empty {
                format!("(attribute_exists({pk}) OR attribute_not_exists({pk}))")
            } else {
                format!("(attribute_exists({pk}) AND attribute_not_exists({pk}))")
            });
        }
        if let [one] = conds {
            // DynamoDB refuses "redundant parentheses": `((a OR b))` from an `And` of one.
            return self.cond(one);
        }
        let parts = conds
            .iter()
            .map(|c| self.cond(c))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(format!("({})", parts.join(op)))
    }

    /// `SET … REMOVE … ADD …`; `None` when the update changes nothing. Setting null removes
    /// the attribute, as `Update::apply` does.
    fn update(&mut self, update: &Update) -> Result<Option<String>, StoreError> {
        let touched = update
            .set
            .iter()
            .map(|(k, _)| k)
            .chain(&update.remove)
            .chain(update.add.iter().map(|(k, _)| k));
        for attr in touched {
            if attr == PK || attr == SK {
                return Err(StoreError::Invalid(
                    "an update cannot change the key".into(),
                ));
            }
        }
        let mut set = Vec::new();
        let mut remove: Vec<String> = Vec::new();
        let mut add = Vec::new();
        for (attr, value) in &update.set {
            let n = self.name(attr);
            if value.is_null() {
                if !remove.contains(&n) {
                    remove.push(n);
                }
            } else {
                let v = self.value(value)?;
                set.push(format!("{n} = {v}"));
            }
        }
        for attr in &update.remove {
            let n = self.name(attr);
            if !remove.contains(&n) {
                remove.push(n);
            }
        }
        for (attr, by) in &update.add {
            let (n, v) = (self.name(attr), self.value(&Value::from(*by))?);
            add.push(format!("{n} {v}"));
        }
        let mut clauses = Vec::new();
        if !set.is_empty() {
            clauses.push(format!("SET {}", set.join(", ")));
        }
        if !remove.is_empty() {
            clauses.push(format!("REMOVE {}", remove.join(", ")));
        }
        if !add.is_empty() {
            clauses.push(format!("ADD {}", add.join(", ")));
        }
        Ok((!clauses.is_empty()).then(|| clauses.join(" ")))
    }

    fn key_condition(
        &mut self,
        pk_attr: &str,
        pk: &str,
        sk_attr: &str,
        sk: &SkCond,
    ) -> Result<String, StoreError> {
        let hash = format!("{} = {}", self.name(pk_attr), self.text(pk));
        let range = match sk {
            SkCond::All => return Ok(hash),
            // Every string begins with "": the same as no condition.
            SkCond::BeginsWith(p) if p.is_empty() => return Ok(hash),
            SkCond::BeginsWith(p) => {
                format!("begins_with({}, {})", self.name(sk_attr), self.text(p))
            }
            SkCond::Between(lo, hi) => format!(
                "{} BETWEEN {} AND {}",
                self.name(sk_attr),
                self.text(lo),
                self.text(hi)
            ),
            SkCond::Eq(v) => format!("{} = {}", self.name(sk_attr), self.text(v)),
            SkCond::Lt(v) => format!("{} < {}", self.name(sk_attr), self.text(v)),
            SkCond::Le(v) => format!("{} <= {}", self.name(sk_attr), self.text(v)),
            SkCond::Gt(v) => format!("{} > {}", self.name(sk_attr), self.text(v)),
            SkCond::Ge(v) => format!("{} >= {}", self.name(sk_attr), self.text(v)),
        };
        Ok(format!("{hash} AND {range}"))
    }

    /// The name placeholders, `None` when there are none (DynamoDB refuses an empty map).
    fn names(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }

    fn values(&self) -> Option<HashMap<String, AttributeValue>> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn conditions_compile_to_placeholders_only() {
        let mut e = Expr::default();
        let text = e
            .cond(&Cond::And(vec![
                Cond::NotExists,
                Cond::Eq("version".into(), json!(3)),
                Cond::Not(Box::new(Cond::BeginsWith("status".into(), "lo".into()))),
            ]))
            .expect("compiles");
        assert_eq!(
            text,
            "(attribute_not_exists(#n0) AND #n1 = :v0 AND (NOT begins_with(#n2, :v1)))"
        );
        assert_eq!(e.names.get("#n1").map(String::as_str), Some("version"));
        assert_eq!(e.values.get(":v0"), Some(&AttributeValue::N("3".into())));
    }

    #[test]
    fn a_group_of_one_condition_gets_no_second_pair_of_parentheses() {
        let mut e = Expr::default();
        let text = e
            .cond(&Cond::And(vec![Cond::Or(vec![
                Cond::AttrNotExists("n".into()),
                Cond::Lt("n".into(), json!(5)),
            ])]))
            .expect("compiles");
        assert_eq!(text, "(attribute_not_exists(#n0) OR #n0 < :v0)");
    }

    #[test]
    fn null_in_set_becomes_remove() {
        let mut e = Expr::default();
        let update = Update::default()
            .set("a", json!("x"))
            .set("b", Value::Null)
            .remove("c")
            .add("n", 2);
        let text = e.update(&update).expect("compiles");
        assert_eq!(
            text.as_deref(),
            Some("SET #n0 = :v0 REMOVE #n1, #n2 ADD #n3 :v1")
        );
    }

    #[test]
    fn cancellation_names_the_first_failed_check() {
        let writes = vec![
            Write::put(Item::new()),
            Write::put(Item::new()).with_check(Check::new("phone_unique", Cond::NotExists)),
        ];
        let err = cancelled(
            &writes,
            &[],
            Some("Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]"),
        );
        assert!(matches!(err, StoreError::ConditionFailed("phone_unique")));
        let reasons = [
            CancellationReason::builder()
                .code("TransactionConflict")
                .build(),
            CancellationReason::builder().code("None").build(),
        ];
        assert!(matches!(
            cancelled(&writes, &reasons, None),
            StoreError::Conflict
        ));
    }
}
