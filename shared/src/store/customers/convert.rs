//! Making a lead a customer, or linking it to the customer it already is.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::edit::{commit, load_customer};
use super::*;
use crate::domain::tenant::TenantSettings;
use crate::ports::store::{Store, StoreError};
use crate::store::leads;
use crate::store::retry::{optimistically, Attempt};

/// Makes (or finds, by phone or email) the customer a lead becomes, and links the lead.
pub async fn convert(
    store: &dyn Store,
    settings: &TenantSettings,
    lead_id: &str,
    now: DateTime<Utc>,
) -> Result<Option<(Customer, bool)>, CustomerWriteError> {
    let tenant = settings.tenant_id.as_str();
    let Some(lead) = leads::get(store, tenant, lead_id).await? else {
        return Ok(None);
    };
    let mut existing = match &lead.customer_id {
        Some(id) => get(store, tenant, id).await?,
        None => None,
    };
    if existing.is_none() {
        if let Some(id) = owner(store, &phone_owner_key(tenant, &lead.phone)).await? {
            existing = get(store, tenant, &id).await?;
        }
    }
    if existing.is_none() {
        if let Some(email) = &lead.email {
            if let Some(id) = owner(store, &email_owner_key(tenant, &email.to_lowercase())).await? {
                existing = get(store, tenant, &id).await?;
            }
        }
    }
    let (customer, created) = match existing {
        Some(c) => (c, false),
        None => {
            let profile = Profile {
                name: Some(lead.name.clone()),
                phones: Some(vec![lead.phone.clone()]),
                emails: Some(lead.email.iter().map(|e| e.to_lowercase()).collect()),
                marketing_consent: Some(lead.consent.is_some()),
                ..Profile::default()
            };
            let mut c = create(store, settings, &profile, &BTreeSet::new(), now).await?;
            // The first touch is the lead's.
            let before = c.clone();
            c.source = Some(lead.source);
            c.last_touch = Some(lead.latest_touch());
            c.lead_ids.push(lead.id.clone());
            c.version += 1;
            if commit(store, tenant, &before, &c, Vec::new()).await? == Attempt::Collided {
                return Err(StoreError::Conflict.into());
            }
            (c, true)
        }
    };
    let customer = if customer.lead_ids.contains(&lead.id) {
        customer
    } else {
        let (id, lead) = (customer.id.as_str(), &lead);
        optimistically(|| async move {
            let before = load_customer(store, tenant, id).await?;
            if before.lead_ids.contains(&lead.id) {
                return Ok::<_, CustomerWriteError>(Attempt::Done(before));
            }
            let mut after = before.clone();
            after.lead_ids.push(lead.id.clone());
            if after.source.is_none() {
                after.source = Some(lead.source);
            }
            after.last_touch = Some(crate::domain::source::LastTouch::latest(
                after.last_touch.take(),
                lead.latest_touch(),
            ));
            after.version = before.version + 1;
            after.updated_at = now;
            Ok(commit(store, tenant, &before, &after, Vec::new())
                .await?
                .map(|()| after))
        })
        .await?
    };
    if lead.customer_id.as_deref() != Some(customer.id.as_str()) {
        link_lead(store, tenant, &lead.id, &customer.id, now).await?;
    }
    Ok(Some((customer, created)))
}

async fn link_lead(
    store: &dyn Store,
    tenant: &str,
    lead_id: &str,
    customer_id: &str,
    now: DateTime<Utc>,
) -> Result<(), CustomerWriteError> {
    leads::link_customer(store, tenant, lead_id, customer_id, None, now)
        .await
        .map_err(|e| match e {
            leads::LeadWriteError::Store(s) => CustomerWriteError::Store(s),
            leads::LeadWriteError::NotFound => CustomerWriteError::NotFound,
            other => CustomerWriteError::Store(StoreError::Backend(other.to_string())),
        })
        .map(|_| ())
}
