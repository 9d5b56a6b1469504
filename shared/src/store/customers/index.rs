//! The sort orders of a customer list, each its own index, and search through search items
//! (DESIGN §4): lists and searches read O(page), never scan and never sort in memory.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use super::*;
use crate::domain::customer::{JourneyStage, Segment};
use crate::domain::source::Source;
use crate::ports::store::{
    to_item, Cond, Cursor, Index, Item, Key, Query, SkCond, Store, StoreError, Write, PK, SK,
};
use crate::store::keys::{self, search_pk};
use crate::store::page;

/// The orders a customer list can take; each is served by its own index (store::keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Created,
    Name,
    Ltv,
    Visits,
    LastVisit,
    Points,
    NoShows,
}

impl SortKey {
    pub const ALL: [SortKey; 7] = [
        SortKey::Created,
        SortKey::Name,
        SortKey::Ltv,
        SortKey::Visits,
        SortKey::LastVisit,
        SortKey::Points,
        SortKey::NoShows,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Created => "created",
            SortKey::Name => "name",
            SortKey::Ltv => "ltv",
            SortKey::Visits => "visits",
            SortKey::LastVisit => "last_visit",
            SortKey::Points => "points",
            SortKey::NoShows => "no_shows",
        }
    }

    pub fn parse(text: &str) -> Option<SortKey> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    pub fn index(self) -> crate::ports::store::Index {
        use crate::ports::store::Index;
        match self {
            SortKey::Created => Index::Gsi(1),
            SortKey::Name => Index::Gsi(2),
            SortKey::Ltv => Index::Gsi(3),
            SortKey::Visits => Index::Gsi(4),
            SortKey::LastVisit => Index::Gsi(5),
            SortKey::Points => Index::Gsi(6),
            SortKey::NoShows => Index::Gsi(7),
        }
    }

    /// The index partition of a tenant's customers in this order.
    pub fn partition(self, tenant: &str) -> String {
        keys::customer_sort_pk(tenant, self.as_str())
    }

    /// The customer's place in this order: the value (numbers zero-padded so text order is
    /// numeric order), then the id, so equal values page stably.
    fn position(self, c: &Customer) -> String {
        let n = |v: i64| format!("{:020}", v.max(0));
        let value = match self {
            SortKey::Created => c.created_at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
            SortKey::Name => c.name.to_lowercase(),
            SortKey::Ltv => n(c.totals.lifetime_value),
            SortKey::Visits => n(c.totals.visits),
            SortKey::LastVisit => c
                .last_visit
                .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
                .unwrap_or_else(|| "0000".into()),
            SortKey::Points => n(c.points),
            SortKey::NoShows => n(c.totals.no_shows),
        };
        format!("{value}#{}", c.id)
    }
}

/// The customer as stored: its record, its key, and its place in every sort index.
pub fn customer_item(tenant: &str, c: &Customer) -> Result<Item, StoreError> {
    use crate::ports::store::table;
    let mut item = to_item(c)?;
    item.insert(PK.into(), customer_pk(tenant, &c.id).into());
    item.insert(SK.into(), "C".into());
    for key in SortKey::ALL {
        if let Index::Gsi(n) = key.index() {
            item.insert(table::gsi_pk(n), key.partition(tenant).into());
            item.insert(table::gsi_sk(n), key.position(c).into());
        }
    }
    Ok(item)
}

/// The words a search can start with: each name word (lowercased, with and without its
/// punctuation: "O'Brien" → `obrien`, `brien`), each email, and each phone's digits
/// (international, national, with the trunk 0, last four), and the name key of the duplicate
/// probe (`domain::duplicate::name_key`). Tokens shorter than two characters are not indexed
/// (a search needs two).
pub fn search_tokens(c: &Customer) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for word in c.name.to_lowercase().split_whitespace() {
        let joined: String = word.chars().filter(|ch| ch.is_alphanumeric()).collect();
        out.insert(joined);
        for part in word.split(|ch: char| !ch.is_alphanumeric()) {
            out.insert(part.to_owned());
        }
    }
    for email in &c.emails {
        out.insert(email.to_lowercase());
    }
    for phone in &c.phones {
        out.extend(crate::domain::phone::search_digits(phone));
    }
    // The name key possible duplicates are found by (`~murphy ann`; no typed word starts so).
    out.extend(crate::domain::duplicate::name_key(&c.name));
    out.retain(|t| t.chars().count() >= 2 && !t.contains('#'));
    out
}

/// The writes that move a customer's search items from `before` to `after`.
pub(crate) fn token_writes(
    tenant: &str,
    id: &str,
    before: &BTreeSet<String>,
    after: &BTreeSet<String>,
) -> Vec<Write> {
    let mut writes = Vec::new();
    for gone in before.difference(after) {
        writes.push(Write::Delete {
            key: keys::search_key(tenant, gone, id),
            check: None,
        });
    }
    for new in after.difference(before) {
        let key = keys::search_key(tenant, new, id);
        let mut item = Item::new();
        item.insert(PK.into(), key.pk.into());
        item.insert(SK.into(), key.sk.into());
        item.insert("customer_id".into(), id.into());
        writes.push(Write::put(item));
    }
    writes
}

/// Filters of a customer list (all optional, all must hold).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListFilter {
    pub segment: Option<Segment>,
    /// A manual or automatic tag.
    pub tag: Option<String>,
    pub stage: Option<JourneyStage>,
    pub at_risk: Option<bool>,
    pub source: Option<Source>,
}

impl ListFilter {
    /// The same test on a customer in hand (search results, already read).
    pub fn matches(&self, c: &Customer) -> bool {
        self.segment.is_none_or(|s| c.segment == s)
            && self.stage.is_none_or(|s| c.stage == s)
            && self.source.is_none_or(|s| c.source == Some(s))
            && self.at_risk.is_none_or(|r| c.at_risk == r)
            && self
                .tag
                .as_ref()
                .is_none_or(|t| c.tags.contains(t) || c.auto_tags.contains(t))
    }

    fn cond(&self) -> Option<Cond> {
        let mut all = Vec::new();
        fn text<T: Serialize>(v: &T) -> Value {
            serde_json::to_value(v).unwrap_or(Value::Null)
        }
        if let Some(s) = &self.segment {
            all.push(Cond::Eq("segment".into(), text(s)));
        }
        if let Some(s) = &self.stage {
            all.push(Cond::Eq("stage".into(), text(s)));
        }
        if let Some(s) = &self.source {
            all.push(Cond::Eq("source".into(), text(s)));
        }
        if let Some(r) = self.at_risk {
            all.push(Cond::Eq("at_risk".into(), r.into()));
        }
        if let Some(t) = &self.tag {
            all.push(Cond::Or(vec![
                Cond::Contains("tags".into(), t.clone().into()),
                Cond::Contains("auto_tags".into(), t.clone().into()),
            ]));
        }
        match all.len() {
            0 => None,
            1 => all.pop(),
            _ => Some(Cond::And(all)),
        }
    }
}

/// A page of customers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomerPage {
    pub customers: Vec<Customer>,
    pub next: Option<Cursor>,
}

/// Customers in `sort` order, filtered, one page: a query of that order's index (never a
/// scan, never a sort in memory). With filters, a few index pages may be read to fill it.
pub async fn list(
    store: &dyn Store,
    tenant: &str,
    sort: SortKey,
    descending: bool,
    filter: &ListFilter,
    limit: u32,
    cursor: Option<Cursor>,
) -> Result<CustomerPage, StoreError> {
    let mut q = Query::new(sort.index(), sort.partition(tenant)).filter(filter.cond());
    if descending {
        q = q.descending();
    }
    let (customers, next) = page::fill(store, q, limit, cursor).await?;
    Ok(CustomerPage { customers, next })
}

/// How a search reads what was typed: digits when it is a phone number, else lowercase words.
fn search_words(q: &str) -> Vec<String> {
    let q = q.trim();
    let phone_like = q.chars().any(|c| c.is_ascii_digit())
        && q.chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if phone_like {
        vec![q.chars().filter(char::is_ascii_digit).collect()]
    } else {
        q.to_lowercase()
            .split_whitespace()
            .map(|w| {
                w.chars()
                    .filter(|c| c.is_alphanumeric() || "@.+-_".contains(*c))
                    .collect::<String>()
            })
            .filter(|w| !w.is_empty())
            .collect()
    }
}

/// Whether a search can run: at least one word of two characters or more.
pub fn is_searchable(q: &str) -> bool {
    search_words(q).iter().any(|w| w.chars().count() >= 2)
}

/// Customers with a search item starting with the longest word typed, and every other word
/// the start of one of their tokens; a page of them in token order, through the search items
/// (one partition per two-character prefix), never a scan.
pub async fn search(
    store: &dyn Store,
    tenant: &str,
    q: &str,
    limit: u32,
    cursor: Option<Cursor>,
) -> Result<CustomerPage, StoreError> {
    let words = search_words(q);
    let Some(lead_word) = words.iter().max_by_key(|w| w.chars().count()).cloned() else {
        return Ok(CustomerPage::default());
    };
    if lead_word.chars().count() < 2 {
        return Ok(CustomerPage::default());
    }
    let pk = search_pk(tenant, &lead_word);
    let mut seen = BTreeSet::new();
    let mut customers = Vec::new();
    let mut cursor = cursor;
    for _ in 0..page::MAX_FILTERED_READS {
        let page = store
            .query(
                &Query::new(Index::Primary, pk.clone())
                    .sk(SkCond::BeginsWith(lead_word.clone()))
                    .limit(limit - customers.len() as u32)
                    .after(cursor.take()),
            )
            .await?;
        let ids: Vec<String> = page
            .items
            .iter()
            .filter_map(|i| {
                i.get("customer_id")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .filter(|id| seen.insert(id.clone()))
            .collect();
        let keys: Vec<Key> = ids.iter().map(|id| customer_key(tenant, id)).collect();
        let mut found: BTreeMap<String, Customer> = BTreeMap::new();
        for item in store.get_many(&keys).await? {
            let c: Customer = customer_of(&item)?;
            found.insert(c.id.clone(), c);
        }
        for id in ids {
            if let Some(c) = found.remove(&id) {
                let tokens = search_tokens(&c);
                if words
                    .iter()
                    .all(|w| tokens.iter().any(|t| t.starts_with(w.as_str())))
                {
                    customers.push(c);
                }
            }
        }
        cursor = page.next;
        if cursor.is_none() || customers.len() as u32 >= limit {
            break;
        }
    }
    Ok(CustomerPage {
        customers,
        next: cursor,
    })
}

/// The search partition a cursor of `q` belongs to (for checking a client's cursor).
pub fn search_partition(tenant: &str, q: &str) -> Option<String> {
    let words = search_words(q);
    let w = words.iter().max_by_key(|w| w.chars().count())?;
    Some(search_pk(tenant, w))
}

// ------------------------------------------------------------------ staff's changes
