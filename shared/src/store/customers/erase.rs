//! Deleting a customer with every item of theirs (DESIGN §3: owner only).

use super::edit::load_customer;
use super::*;
use crate::ports::store::{Key, Store, Write};
use crate::store::keys;

/// Deletes a customer and every item that is theirs: bookings, timeline, notes, the owners
/// of their phones, emails and bookings, their search items, what their pointers name
/// (messages, calls), the leads they came from (with their events, notes and tasks) and the
/// claims on their phones; an opt-out stays, keyed by a hash of the number. The customer
/// item goes last, so an interrupted delete can simply be run again.
pub async fn delete(
    store: &dyn Store,
    tenant: &str,
    id: &str,
) -> Result<usize, CustomerWriteError> {
    let customer = load_customer(store, tenant, id).await?;
    let mut doomed: Vec<Key> = Vec::new();
    for k in crate::store::partition_keys(store, customer_pk(tenant, id)).await? {
        if let Some(b) = k.sk.strip_prefix(keys::BOOKING_PREFIX) {
            doomed.push(booking_owner_key(tenant, b));
        }
        if let Some(pair) = k.sk.strip_prefix(keys::DUP_POINTER) {
            doomed.push(Key::new(keys::duplicates_pk(tenant), pair));
        }
        doomed.extend(pointed(&k.sk));
        if k.sk != "C" {
            doomed.push(k);
        }
    }
    for phone in &customer.phones {
        doomed.push(phone_owner_key(tenant, phone));
    }
    for email in &customer.emails {
        doomed.push(email_owner_key(tenant, email));
    }
    for token in search_tokens(&customer) {
        doomed.push(keys::search_key(tenant, &token, id));
    }
    for phone in &customer.phones {
        doomed.push(keys::phone_claim(tenant, phone));
        crate::store::messages::hash_legacy_opt_out(store, tenant, phone).await?;
    }
    let mut n = doomed.len() + 1;
    for lead in &customer.lead_ids {
        n += crate::store::leads::erase(store, tenant, lead).await?;
    }
    crate::store::delete_keys(store, &doomed).await?;
    store
        .write(Write::Delete {
            key: customer_key(tenant, id),
            check: None,
        })
        .await?;
    Ok(n)
}
