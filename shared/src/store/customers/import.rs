//! Whole customers made elsewhere (an import, a benchmark's population).

use std::collections::BTreeSet;

use super::edit::{owner_writes, taken};
use super::*;
use crate::ports::store::{to_item, Check, Cond, Store, StoreError, Write, PK, SK};

/// The writes of a whole customer made elsewhere (an import, a benchmark's population): the
/// record with its sort positions, the owners of its phones and emails (refused when taken),
/// its search items, its due work (filed by the tenant's zone `tz`) and its bookings.
pub fn import_writes(
    tenant: &str,
    c: &Customer,
    bookings: &[crate::domain::booking::BookingState],
    tz: chrono_tz::Tz,
) -> Result<Vec<Write>, StoreError> {
    let empty = Customer {
        phones: Vec::new(),
        emails: Vec::new(),
        ..c.clone()
    };
    let mut writes = vec![Write::put(customer_item(tenant, c)?)
        .with_check(Check::new("customer_version", Cond::NotExists))];
    writes.extend(owner_writes(tenant, &empty, c));
    writes.extend(token_writes(
        tenant,
        &c.id,
        &BTreeSet::new(),
        &search_tokens(c),
    ));
    writes.extend(due_writes(tenant, None, c, tz));
    for b in bookings {
        let key = booking_key(tenant, &c.id, &b.booking_id);
        let mut item = to_item(b)?;
        item.insert(PK.into(), key.pk.into());
        item.insert(SK.into(), key.sk.into());
        item.insert("customer_id".into(), c.id.clone().into());
        writes.push(Write::put(item));
        let owner = booking_owner_key(tenant, &b.booking_id);
        writes.push(Write::put(owner_item(&owner, &c.id)));
    }
    Ok(writes)
}

/// Writes a whole customer made elsewhere in one transaction (see [`import_writes`]).
pub async fn import(
    store: &dyn Store,
    tenant: &str,
    c: &Customer,
    bookings: &[crate::domain::booking::BookingState],
    tz: chrono_tz::Tz,
) -> Result<(), CustomerWriteError> {
    match store
        .transact(import_writes(tenant, c, bookings, tz)?)
        .await
    {
        Ok(()) => Ok(()),
        Err(StoreError::ConditionFailed("customer_phone" | "customer_email")) => {
            Err(taken(store, tenant, c)
                .await?
                .unwrap_or(CustomerWriteError::Store(StoreError::Conflict)))
        }
        Err(e) => Err(e.into()),
    }
}
