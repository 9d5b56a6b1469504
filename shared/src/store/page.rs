//! Filling a page, written once (DESIGN §4: a list reads O(page)). A query whose filter the
//! index cannot serve may come back short; the page is filled by reading on, a bounded
//! number of times, and then comes back short with a cursor to go on from (never a scan).

use serde::de::DeserializeOwned;

use crate::ports::store::{from_item, Cursor, Item, Query, Store, StoreError};

/// Most index reads one page may make while its filter leaves it short (bounds the cost of a
/// very selective filter).
pub const MAX_FILTERED_READS: u32 = 8;

/// Most items one read of a filtered query asks for.
const MAX_READ: u32 = 100;

/// One page of at most `limit` items of `query` (its index, partition, range, order and
/// filter; its own limit and cursor are replaced), from `cursor` on, each read by `decode`.
/// Unfiltered, one read of exactly `limit`. Filtered, reads of twice what is missing (up to
/// 100), so a selective filter fills a page in fewer round trips. The cursor continues after
/// the last item returned: whatever else a read found is read again next time, never
/// skipped.
pub async fn fill_with<T>(
    store: &dyn Store,
    query: Query,
    limit: u32,
    cursor: Option<Cursor>,
    decode: impl Fn(&Item) -> Result<T, StoreError>,
) -> Result<(Vec<T>, Option<Cursor>), StoreError> {
    let limit = limit.max(1);
    let filtered = query.filter.is_some();
    let index = query.index;
    let mut out: Vec<Item> = Vec::new();
    let mut cursor = cursor;
    let typed = |items: &[Item]| items.iter().map(&decode).collect::<Result<Vec<T>, _>>();
    for _ in 0..MAX_FILTERED_READS {
        let want = limit - out.len() as u32;
        let read = if filtered {
            (want * 2).clamp(want, MAX_READ.max(want))
        } else {
            want
        };
        let page = store
            .query(&query.clone().limit(read).after(cursor.take()))
            .await?;
        let mut items = page.items.into_iter();
        for item in items.by_ref() {
            out.push(item);
            if out.len() as u32 == limit {
                break;
            }
        }
        let more_in_page = items.next().is_some();
        if out.len() as u32 == limit {
            let next = if more_in_page || page.next.is_some() {
                out.last().and_then(|i| Cursor::at(i, index))
            } else {
                None
            };
            return Ok((typed(&out)?, next));
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok((typed(&out)?, None)),
        }
        if !filtered {
            // A short unfiltered read is the end of the partition.
            break;
        }
    }
    Ok((typed(&out)?, cursor))
}

/// [`fill_with`] for items that read as `T` directly.
pub async fn fill<T: DeserializeOwned>(
    store: &dyn Store,
    query: Query,
    limit: u32,
    cursor: Option<Cursor>,
) -> Result<(Vec<T>, Option<Cursor>), StoreError> {
    fill_with(store, query, limit, cursor, from_item).await
}
