//! The store port: one DynamoDB-shaped table of typed items (DESIGN §4).
//!
//! The port speaks in items, keys, named conditions, transactions and index queries, with the
//! semantics of DynamoDB. Access patterns (`crate::store::*`) are written once on top of it;
//! adapters (`DynamoStore`, `SqliteStore`) implement it with the same behaviour, proven by one
//! contract test suite.

use async_trait::async_trait;
use base64::Engine;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::{Map, Value};

pub mod capacity;

use capacity::CapacityMeter;

/// An item: attribute name → JSON value (strings, numbers, bools, null, lists, maps).
pub type Item = Map<String, Value>;

pub const PK: &str = "PK";
pub const SK: &str = "SK";
/// TTL attribute (epoch seconds). As in DynamoDB, an expired item may still be read until the
/// sweeper removes it, so domain code that depends on expiry checks its own time attribute.
pub const EXPIRES_AT: &str = "expires_at";

/// Primary key of an item.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self {
            pk: pk.into(),
            sk: sk.into(),
        }
    }

    pub fn of(item: &Item) -> Option<Key> {
        Some(Key::new(
            item.get(PK)?.as_str()?.to_owned(),
            item.get(SK)?.as_str()?.to_owned(),
        ))
    }

    /// An item holding only this key (the attributes go in after).
    pub fn item(&self) -> Item {
        let mut item = Item::new();
        item.insert(PK.into(), self.pk.clone().into());
        item.insert(SK.into(), self.sk.clone().into());
        item
    }
}

/// The table's indexes. Every GSI has a string partition key `GSInPK` and sort key `GSInSK`,
/// projects all attributes, and is sparse: an item without the key attributes is not in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Index {
    Primary,
    Gsi(u8),
}

/// The single table's definition, shared by both adapters and checked against the SAM
/// template by a test (tests/python/test_template.py).
pub mod table {
    /// Number of GSIs (`GSI1` … `GSI{N}`), overloaded by item type (store::keys lists them).
    pub const GSI_COUNT: u8 = 7;
    pub const DEFAULT_NAME: &str = "crm";

    pub fn gsi_name(n: u8) -> String {
        format!("GSI{n}")
    }
    pub fn gsi_pk(n: u8) -> String {
        format!("GSI{n}PK")
    }
    pub fn gsi_sk(n: u8) -> String {
        format!("GSI{n}SK")
    }
}

impl Index {
    pub fn key_attrs(self) -> (String, String) {
        match self {
            Index::Primary => (PK.to_owned(), SK.to_owned()),
            Index::Gsi(n) => (table::gsi_pk(n), table::gsi_sk(n)),
        }
    }
}

/// A condition on the current state of one item.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// The item exists.
    Exists,
    /// The item does not exist.
    NotExists,
    AttrExists(String),
    AttrNotExists(String),
    Eq(String, Value),
    Ne(String, Value),
    Lt(String, Value),
    Le(String, Value),
    Gt(String, Value),
    Ge(String, Value),
    BeginsWith(String, String),
    /// Attribute is a string containing the substring, or a list containing the value.
    Contains(String, Value),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
}

/// A condition with a name: when it fails, the error names it, so each failure maps to a
/// specific HTTP answer (409, 412) instead of a generic one.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub name: &'static str,
    pub cond: Cond,
}

impl Check {
    pub fn new(name: &'static str, cond: Cond) -> Self {
        Self { name, cond }
    }
}

/// Changes to one item: SET, REMOVE, and ADD on numbers (missing counts as 0).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Update {
    pub set: Vec<(String, Value)>,
    pub remove: Vec<String>,
    pub add: Vec<(String, i64)>,
}

impl Update {
    pub fn set(mut self, attr: impl Into<String>, value: impl Into<Value>) -> Self {
        self.set.push((attr.into(), value.into()));
        self
    }
    pub fn remove(mut self, attr: impl Into<String>) -> Self {
        self.remove.push(attr.into());
        self
    }
    pub fn add(mut self, attr: impl Into<String>, by: i64) -> Self {
        self.add.push((attr.into(), by));
        self
    }
    pub fn is_empty(&self) -> bool {
        self.set.is_empty() && self.remove.is_empty() && self.add.is_empty()
    }

    /// Applies the update to an item image (the semantics both adapters share).
    pub fn apply(&self, item: &mut Item) {
        for (k, v) in &self.set {
            if v.is_null() {
                item.remove(k);
            } else {
                item.insert(k.clone(), v.clone());
            }
        }
        for k in &self.remove {
            item.remove(k);
        }
        for (k, by) in &self.add {
            let current = item.get(k).and_then(Value::as_i64).unwrap_or(0);
            item.insert(k.clone(), Value::from(current + by));
        }
    }
}

/// One write, alone or inside a transaction.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    Put {
        item: Item,
        check: Option<Check>,
    },
    Update {
        key: Key,
        update: Update,
        check: Option<Check>,
    },
    Delete {
        key: Key,
        check: Option<Check>,
    },
    /// A condition on an item the transaction does not write.
    ConditionCheck {
        key: Key,
        check: Check,
    },
}

impl Write {
    pub fn put(item: Item) -> Self {
        Write::Put { item, check: None }
    }
    pub fn key(&self) -> Option<Key> {
        match self {
            Write::Put { item, .. } => Key::of(item),
            Write::Update { key, .. } | Write::Delete { key, .. } => Some(key.clone()),
            Write::ConditionCheck { key, .. } => Some(key.clone()),
        }
    }
    pub fn check(&self) -> Option<&Check> {
        match self {
            Write::Put { check, .. }
            | Write::Update { check, .. }
            | Write::Delete { check, .. } => check.as_ref(),
            Write::ConditionCheck { check, .. } => Some(check),
        }
    }
    pub fn with_check(mut self, new: Check) -> Self {
        match &mut self {
            Write::Put { check, .. }
            | Write::Update { check, .. }
            | Write::Delete { check, .. } => *check = Some(new),
            Write::ConditionCheck { check, .. } => *check = new,
        }
        self
    }
}

/// Condition on the sort key of a query.
#[derive(Debug, Clone, PartialEq)]
pub enum SkCond {
    All,
    Eq(String),
    BeginsWith(String),
    /// Inclusive on both ends.
    Between(String, String),
    Lt(String),
    Le(String),
    Gt(String),
    Ge(String),
}

/// An index query. `limit` counts items evaluated, before `filter`, as in DynamoDB.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub index: Index,
    pub pk: String,
    pub sk: SkCond,
    pub descending: bool,
    pub limit: u32,
    pub cursor: Option<Cursor>,
    pub filter: Option<Cond>,
}

impl Query {
    pub fn new(index: Index, pk: impl Into<String>) -> Self {
        Self {
            index,
            pk: pk.into(),
            sk: SkCond::All,
            descending: false,
            limit: 100,
            cursor: None,
            filter: None,
        }
    }
    pub fn sk(mut self, sk: SkCond) -> Self {
        self.sk = sk;
        self
    }
    pub fn descending(mut self) -> Self {
        self.descending = true;
        self
    }
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = limit.max(1);
        self
    }
    pub fn after(mut self, cursor: Option<Cursor>) -> Self {
        self.cursor = cursor;
        self
    }
    pub fn filter(mut self, filter: Option<Cond>) -> Self {
        self.filter = filter;
        self
    }
}

/// Where a query stopped: the key attributes of the last item evaluated (DynamoDB's
/// LastEvaluatedKey). Opaque to clients: encoded as URL-safe base64 of JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub pk: String,
    pub sk: String,
    /// Index key of the last item when the query ran on a GSI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isk: Option<String>,
}

impl Cursor {
    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    /// Decodes a client-supplied cursor; `None` when it is not one of ours.
    pub fn decode(text: &str) -> Option<Cursor> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text.trim())
            .ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// A cursor is only valid for the partition it came from: a cursor from another
    /// tenant's (or another list's) query is refused rather than passed to the store.
    pub fn belongs_to(&self, query_pk: &str, index: Index) -> bool {
        match index {
            Index::Primary => self.pk == query_pk && self.ipk.is_none(),
            Index::Gsi(_) => self.ipk.as_deref() == Some(query_pk),
        }
    }

    /// The cursor positioned at `item` for a query on `index`.
    pub fn at(item: &Item, index: Index) -> Option<Cursor> {
        let key = Key::of(item)?;
        let (ipk, isk) = match index {
            Index::Primary => (None, None),
            Index::Gsi(n) => (
                Some(item.get(&table::gsi_pk(n))?.as_str()?.to_owned()),
                Some(item.get(&table::gsi_sk(n))?.as_str()?.to_owned()),
            ),
        };
        Some(Cursor {
            pk: key.pk,
            sk: key.sk,
            ipk,
            isk,
        })
    }
}

/// A page of query results.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    pub items: Vec<Item>,
    pub next: Option<Cursor>,
}

impl Page {
    pub fn typed<T: DeserializeOwned>(&self) -> Result<Vec<T>, StoreError> {
        self.items.iter().map(from_item).collect()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A named condition failed (a single conditional write, or one item of a transaction).
    #[error("condition `{0}` failed")]
    ConditionFailed(&'static str),
    /// A transaction collided with another one on the same items; safe to retry.
    #[error("transaction conflict")]
    Conflict,
    /// The request was throttled; safe to retry.
    #[error("throttled")]
    Throttled,
    /// The request is invalid for this table (bad key, cursor, or too many items).
    #[error("invalid request: {0}")]
    Invalid(String),
    /// A stored item does not have the expected shape.
    #[error("corrupt item: {0}")]
    Corrupt(String),
    /// The backend failed.
    #[error("store unavailable: {0}")]
    Backend(String),
}

impl StoreError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Conflict | StoreError::Throttled)
    }
}

/// Serializes a typed value into an item.
pub fn to_item<T: Serialize>(value: &T) -> Result<Item, StoreError> {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(StoreError::Invalid("item must serialize to a map".into())),
        Err(e) => Err(StoreError::Invalid(e.to_string())),
    }
}

/// Deserializes an item into a typed value.
pub fn from_item<T: DeserializeOwned>(item: &Item) -> Result<T, StoreError> {
    serde_json::from_value(Value::Object(item.clone())).map_err(|e| {
        let key = Key::of(item)
            .map(|k| format!("{}/{}", k.pk, k.sk))
            .unwrap_or_default();
        StoreError::Corrupt(format!("{key}: {e}"))
    })
}

/// Most items a transaction may hold (DynamoDB's limit).
pub const MAX_TRANSACTION_ITEMS: usize = 100;

/// The shape DynamoDB requires of a transaction, checked the same way by every adapter:
/// 1 to 100 writes, each naming an item, no item twice.
pub fn validate_transaction(writes: &[Write]) -> Result<(), StoreError> {
    if writes.is_empty() || writes.len() > MAX_TRANSACTION_ITEMS {
        return Err(StoreError::Invalid(format!(
            "a transaction holds 1 to {MAX_TRANSACTION_ITEMS} items, not {}",
            writes.len()
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for w in writes {
        let key = w
            .key()
            .ok_or_else(|| StoreError::Invalid("item needs string PK and SK".into()))?;
        if !seen.insert(key) {
            return Err(StoreError::Invalid(
                "a transaction cannot touch one item twice".into(),
            ));
        }
    }
    Ok(())
}

/// The table port. Both adapters give these calls DynamoDB's semantics: reads are strongly
/// consistent on the primary key, index queries are eventually consistent on DynamoDB (and
/// immediately consistent on SQLite), conditions are evaluated atomically with the write.
#[async_trait]
pub trait Store: Send + Sync {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError>;

    /// Reads several items at once (missing ones are left out).
    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Item>, StoreError>;

    /// One write; a failed check returns `ConditionFailed(check.name)`.
    async fn write(&self, write: Write) -> Result<(), StoreError>;

    /// All writes commit together or none do. A failed check returns the name of the first
    /// failed condition; a collision with a concurrent transaction returns `Conflict`.
    async fn transact(&self, writes: Vec<Write>) -> Result<(), StoreError>;

    async fn query(&self, query: &Query) -> Result<Page, StoreError>;

    /// Read and write units consumed so far, by DynamoDB's sizing rules.
    fn meter(&self) -> &CapacityMeter;
}

/// Evaluates a condition against the current image of an item (`None` = absent). Used by
/// the SQLite adapter and by filters; the DynamoDB adapter compiles the same `Cond` into a
/// condition expression.
pub fn evaluate(cond: &Cond, item: Option<&Item>) -> bool {
    let attr = |name: &str| item.and_then(|i| i.get(name));
    match cond {
        Cond::Exists => item.is_some(),
        Cond::NotExists => item.is_none(),
        Cond::AttrExists(a) => attr(a).is_some(),
        Cond::AttrNotExists(a) => attr(a).is_none(),
        Cond::Eq(a, v) => attr(a) == Some(v),
        Cond::Ne(a, v) => attr(a) != Some(v),
        Cond::Lt(a, v) => compare(attr(a), v).is_some_and(|o| o.is_lt()),
        Cond::Le(a, v) => compare(attr(a), v).is_some_and(|o| o.is_le()),
        Cond::Gt(a, v) => compare(attr(a), v).is_some_and(|o| o.is_gt()),
        Cond::Ge(a, v) => compare(attr(a), v).is_some_and(|o| o.is_ge()),
        Cond::BeginsWith(a, prefix) => attr(a)
            .and_then(Value::as_str)
            .is_some_and(|s| s.starts_with(prefix.as_str())),
        Cond::Contains(a, needle) => match (attr(a), needle) {
            (Some(Value::String(s)), Value::String(n)) => s.contains(n.as_str()),
            (Some(Value::Array(list)), n) => list.contains(n),
            _ => false,
        },
        Cond::And(all) => all.iter().all(|c| evaluate(c, item)),
        Cond::Or(any) => any.iter().any(|c| evaluate(c, item)),
        Cond::Not(c) => !evaluate(c, item),
    }
}

/// DynamoDB compares only values of the same type: numbers numerically, strings by bytes.
fn compare(left: Option<&Value>, right: &Value) -> Option<std::cmp::Ordering> {
    match (left?, right) {
        (Value::Number(a), Value::Number(b)) => a.as_f64()?.partial_cmp(&b.as_f64()?),
        (Value::String(a), Value::String(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
        _ => None,
    }
}

/// Whether a sort key value satisfies a query's sort key condition (byte order, as DynamoDB).
pub fn sk_matches(cond: &SkCond, sk: &str) -> bool {
    let b = sk.as_bytes();
    match cond {
        SkCond::All => true,
        SkCond::Eq(v) => sk == v,
        SkCond::BeginsWith(p) => sk.starts_with(p.as_str()),
        SkCond::Between(lo, hi) => b >= lo.as_bytes() && b <= hi.as_bytes(),
        SkCond::Lt(v) => b < v.as_bytes(),
        SkCond::Le(v) => b <= v.as_bytes(),
        SkCond::Gt(v) => b > v.as_bytes(),
        SkCond::Ge(v) => b >= v.as_bytes(),
    }
}

/// Whether an item is past its TTL at `now_epoch_secs` (what the SQLite sweeper removes).
pub fn is_expired(item: &Item, now_epoch_secs: i64) -> bool {
    item.get(EXPIRES_AT)
        .and_then(Value::as_i64)
        .is_some_and(|t| t <= now_epoch_secs)
}
