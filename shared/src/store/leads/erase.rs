//! Erasing a lead with everything that hangs off it (issue 17: erasure).

use super::*;

/// Deletes lead `id` of `tenant`: its status events, notes and tasks, the claim on its phone
/// when the claim names it, and the lead item last (so an interrupted erase can run again).
/// The number of items deleted; 0 when there is no such lead.
pub async fn erase(store: &dyn Store, tenant: &str, id: &str) -> Result<usize, StoreError> {
    let Some(lead) = get(store, tenant, id).await? else {
        return Ok(0);
    };
    let mut doomed =
        crate::store::partition_keys(store, keys::lead_children_pk(tenant, id)).await?;
    let claim = keys::phone_claim(tenant, &lead.phone);
    let names_this_lead = store
        .get(&claim)
        .await?
        .is_some_and(|c| c.get("lead_id").and_then(Value::as_str) == Some(id));
    if names_this_lead {
        doomed.push(claim);
    }
    crate::store::delete_keys(store, &doomed).await?;
    store
        .write(Write::Delete {
            key: keys::lead(tenant, id),
            check: None,
        })
        .await?;
    Ok(doomed.len() + 1)
}
