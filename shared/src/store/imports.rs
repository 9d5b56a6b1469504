//! Imports (issue 19): the import record (one item, version-guarded: the API's changes and
//! the worker's checkpoints never overwrite each other) and its refused rows (one item per
//! row, keyed by the row's number, so a chunk written twice writes the same items).

use crate::import::job::{Import, RefusedRow};
use crate::ports::store::{
    from_item, to_item, Check, Cond, Query, SkCond, Store, StoreError, Write, EXPIRES_AT, PK, SK,
};
use crate::store::keys;

/// Refused rows per transaction.
const ROWS_PER_WRITE: usize = 25;

#[derive(Debug, thiserror::Error)]
pub enum ImportWriteError {
    #[error("import not found")]
    NotFound,
    /// Another change (the worker's checkpoint, a cancel) came first: `current` is it.
    #[error("the import changed since it was read")]
    Changed { current: Box<Import> },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn item_of(import: &Import) -> Result<crate::ports::store::Item, StoreError> {
    let mut item = to_item(import)?;
    let key = keys::import_key(&import.tenant_id, &import.id);
    item.insert(PK.into(), key.pk.into());
    item.insert(SK.into(), key.sk.into());
    Ok(item)
}

/// Records a new import (version 1).
pub async fn create(store: &dyn Store, import: &Import) -> Result<(), StoreError> {
    store
        .write(Write::put(item_of(import)?).with_check(Check::new("import_id", Cond::NotExists)))
        .await
}

pub async fn get(store: &dyn Store, tenant: &str, id: &str) -> Result<Option<Import>, StoreError> {
    if id.is_empty() || id.contains('#') {
        return Ok(None);
    }
    store
        .get(&keys::import_key(tenant, id))
        .await?
        .map(|item| from_item(&item))
        .transpose()
}

/// The tenant's imports, newest first.
pub async fn list(store: &dyn Store, tenant: &str, limit: u32) -> Result<Vec<Import>, StoreError> {
    store
        .query(
            &crate::ports::store::Query::new(
                crate::ports::store::Index::Primary,
                keys::imports_pk(tenant),
            )
            .descending()
            .limit(limit),
        )
        .await?
        .typed()
}

/// Writes `after` over the version `before` was read at (`after.version` is set to the
/// next); `Changed` with what is stored now when someone else wrote first.
pub async fn save(
    store: &dyn Store,
    before_version: u64,
    after: &mut Import,
) -> Result<(), ImportWriteError> {
    after.version = before_version + 1;
    let write = Write::put(item_of(after)?).with_check(Check::new(
        "import_version",
        Cond::Eq("version".into(), before_version.into()),
    ));
    match store.write(write).await {
        Ok(()) => Ok(()),
        Err(StoreError::ConditionFailed("import_version")) => {
            match get(store, &after.tenant_id, &after.id).await? {
                Some(current) => Err(ImportWriteError::Changed {
                    current: Box::new(current),
                }),
                None => Err(ImportWriteError::NotFound),
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// How long refused rows (the cells of a file, personal data) are kept for the report: as
/// long as the uploaded file is in the cloud (the bucket's 30-day expiry).
pub const REFUSED_ROWS_KEPT_DAYS: i64 = 30;

/// Records refused rows (again, harmlessly, when a chunk is redone), to expire
/// [`REFUSED_ROWS_KEPT_DAYS`] after `now`.
pub async fn put_refused(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    rows: &[RefusedRow],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    let expires = (now + chrono::Duration::days(REFUSED_ROWS_KEPT_DAYS)).timestamp();
    for chunk in rows.chunks(ROWS_PER_WRITE) {
        let mut writes = Vec::with_capacity(chunk.len());
        for row in chunk {
            let mut item = to_item(row)?;
            let key = keys::refused_row_key(tenant, id, row.row);
            item.insert(PK.into(), key.pk.into());
            item.insert(SK.into(), key.sk.into());
            item.insert(EXPIRES_AT.into(), expires.into());
            writes.push(Write::put(item));
        }
        store.transact(writes).await?;
    }
    Ok(())
}

/// Every refused row of an import, in file order.
pub async fn refused(
    store: &dyn Store,
    tenant: &str,
    id: &str,
) -> Result<Vec<RefusedRow>, StoreError> {
    let mut rows = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .query(
                &Query::new(
                    crate::ports::store::Index::Primary,
                    keys::import_rows_pk(tenant, id),
                )
                .sk(SkCond::BeginsWith("R#".into()))
                .limit(500)
                .after(cursor),
            )
            .await?;
        for item in &page.items {
            rows.push(from_item(item)?);
        }
        cursor = page.next;
        if cursor.is_none() {
            return Ok(rows);
        }
    }
}
