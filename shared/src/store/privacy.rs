//! Erasing a person (issue 17: erasure, GDPR Art. 17): everything the business holds about
//! a phone number or an email address, whether the person became a customer or stayed a
//! lead. Their opt-out stays, keyed by a hash of the number, so an erased person is not
//! texted again; counters keep their counts (no person in them).

use serde::Serialize;
use serde_json::Value;

use crate::ports::store::{Index, Query, Store, StoreError, Write};
use crate::store::customers::{self, CustomerWriteError};
use crate::store::keys;
use crate::store::{leads, messages};

/// Who to erase: a phone (E.164), an email (lowercase), or both.
#[derive(Debug, Clone, Default)]
pub struct Person {
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// What an erasure removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Erased {
    /// Customers erased (each with the leads they came from).
    pub customers: usize,
    /// Leads erased that never became a customer.
    pub leads: usize,
    /// Texts to the number erased that no customer held.
    pub messages: usize,
}

/// Erases `person` from `tenant`: the customers their phone or email belongs to (with their
/// leads), the leads with that phone or email that never became a customer (read from the
/// tenant's whole lead partition: an erasure is rare, a missed lead is not acceptable), the
/// texts to the number, and the claim on it. Run again, it finds nothing more.
pub async fn erase_person(
    store: &dyn Store,
    tenant: &str,
    person: &Person,
) -> Result<Erased, StoreError> {
    let mut erased = Erased::default();
    let mut owners = Vec::new();
    if let Some(phone) = &person.phone {
        owners.push(keys::phone_owner_key(tenant, phone));
    }
    if let Some(email) = &person.email {
        owners.push(keys::email_owner_key(tenant, email));
    }
    let mut customer_ids = Vec::new();
    for owner in owners {
        if let Some(id) = store.get(&owner).await?.and_then(|o| {
            o.get("customer_id")
                .and_then(Value::as_str)
                .map(str::to_owned)
        }) {
            if !customer_ids.contains(&id) {
                customer_ids.push(id);
            }
        }
    }
    for id in customer_ids {
        match customers::delete(store, tenant, &id).await {
            Ok(_) => erased.customers += 1,
            Err(CustomerWriteError::NotFound) => {}
            Err(CustomerWriteError::Store(e)) => return Err(e),
            Err(e) => return Err(StoreError::Backend(e.to_string())),
        }
    }
    for id in leads_of(store, tenant, person).await? {
        if leads::erase(store, tenant, &id).await? > 0 {
            erased.leads += 1;
        }
    }
    if let Some(phone) = &person.phone {
        erased.messages = erase_texts_to(store, tenant, phone).await?;
        store
            .write(Write::Delete {
                key: keys::phone_claim(tenant, phone),
                check: None,
            })
            .await?;
        messages::hash_legacy_opt_out(store, tenant, phone).await?;
    }
    Ok(erased)
}

/// The ids of the tenant's leads with the person's phone or email.
async fn leads_of(
    store: &dyn Store,
    tenant: &str,
    person: &Person,
) -> Result<Vec<String>, StoreError> {
    let mut ids = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .query(
                &Query::new(Index::Primary, keys::leads_pk(tenant))
                    .limit(100)
                    .after(cursor),
            )
            .await?;
        for item in &page.items {
            let attr = |name: &str| item.get(name).and_then(Value::as_str);
            let same_phone = person
                .phone
                .as_deref()
                .is_some_and(|p| attr("phone") == Some(p));
            let same_email = person
                .email
                .as_deref()
                .is_some_and(|e| attr("email") == Some(e));
            if same_phone || same_email {
                if let Some(id) = attr(crate::ports::store::SK) {
                    ids.push(id.to_owned());
                }
            }
        }
        match page.next {
            Some(c) => cursor = Some(c),
            None => return Ok(ids),
        }
    }
}

/// Deletes the texts to `phone` (and where the provider's ids name them); the number.
async fn erase_texts_to(store: &dyn Store, tenant: &str, phone: &str) -> Result<usize, StoreError> {
    let mut doomed = Vec::new();
    let mut texts = 0;
    let mut cursor = None;
    loop {
        let (page, next) = messages::list(store, tenant, None, 100, cursor).await?;
        for m in page.iter().filter(|m| m.to == phone) {
            texts += 1;
            doomed.push(keys::message_key(tenant, &m.id));
            if let Some(pid) = &m.provider_id {
                doomed.push(keys::provider_message_key(tenant, pid));
            }
        }
        match next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    crate::store::delete_keys(store, &doomed).await?;
    Ok(texts)
}
