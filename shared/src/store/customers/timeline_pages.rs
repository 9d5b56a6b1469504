//! Pages of a customer's timeline, filtered by type and text.

use super::*;
use crate::ports::store::{Cond, Cursor, Index, Query, SkCond, Store, StoreError};
use crate::store::keys;
use crate::store::page;

/// A page of a customer's timeline, newest first, of the given types (all when empty) and
/// containing `q` (case-insensitive) if given.
pub async fn timeline_page(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    types: &[String],
    q: Option<&str>,
    limit: u32,
    cursor: Option<Cursor>,
) -> Result<(Vec<TimelineEntry>, Option<Cursor>), StoreError> {
    let mut conds = Vec::new();
    if !types.is_empty() {
        conds.push(Cond::Or(
            types
                .iter()
                .map(|t| Cond::Eq("type".into(), t.clone().into()))
                .collect(),
        ));
    }
    if let Some(q) = q {
        conds.push(Cond::Contains("search".into(), q.to_lowercase().into()));
    }
    let filter = match conds.len() {
        0 => None,
        1 => conds.pop(),
        _ => Some(Cond::And(conds)),
    };
    let query = Query::new(Index::Primary, customer_pk(tenant, id))
        .sk(SkCond::BeginsWith(keys::TIMELINE_PREFIX.into()))
        .descending()
        .filter(filter);
    page::fill(store, query, limit, cursor).await
}
