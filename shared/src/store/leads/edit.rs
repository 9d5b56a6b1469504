//! Edits of a lead, and the customer it became.

use super::*;

/// Edits a lead. With `expected_version`, a lead changed since then is refused; without,
/// concurrent edits are retried on the fresh version.
pub async fn update(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    patch: &LeadPatch,
    expected_version: Option<u64>,
    now: DateTime<Utc>,
) -> Result<Lead, LeadWriteError> {
    optimistically(|| async move {
        let (lead, stored) = load(store, tenant, id).await?;
        if expected_version.is_some_and(|v| v != lead.version) {
            return Err(LeadWriteError::StaleVersion {
                current: lead.version,
            });
        }
        let next = patch.apply(&lead, now);
        let item = rewritten_item(&next, &stored)?;
        let mut writes = vec![Write::put(item).with_check(version_check(lead.version))];
        let delta = next.expected_value - lead.expected_value;
        if delta != 0 {
            writes.push(Write::Update {
                key: board_key(tenant),
                update: Update::default().add(format!("v_{}", lead.status.as_str()), delta),
                check: None,
            });
        }
        Ok(
            commit_versioned(store, tenant, id, writes, expected_version.is_some())
                .await?
                .map(|()| next),
        )
    })
    .await
}

/// Records the customer a lead became and, when a booking converted it, that booking (the
/// first booking to do so keeps the role); on linking, the lead's capture and status changes
/// go onto the customer's timeline in the same transaction. Returns the lead as it stands.
pub async fn link_customer(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    customer_id: &str,
    booking_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Lead, LeadWriteError> {
    optimistically(|| async move {
        let (lead, stored) = load(store, tenant, id).await?;
        let linked = lead.customer_id.as_deref() == Some(customer_id);
        if linked && (booking_id.is_none() || lead.converted_booking_id.is_some()) {
            return Ok(Attempt::Done(lead));
        }
        let mut next = lead.clone();
        next.customer_id = Some(customer_id.to_owned());
        if next.converted_booking_id.is_none() {
            next.converted_booking_id = booking_id.map(str::to_owned);
        }
        next.updated_at = now;
        next.version = lead.version + 1;
        let item = rewritten_item(&next, &stored)?;
        let mut writes = vec![Write::put(item).with_check(version_check(lead.version))];
        if !linked {
            let events = detail(store, tenant, id)
                .await?
                .map(|d| d.events)
                .unwrap_or_default();
            writes.extend(crate::store::customers::lead_history_writes(
                tenant,
                customer_id,
                &next,
                &events,
            )?);
        }
        Ok(commit_versioned(store, tenant, id, writes, false)
            .await?
            .map(|()| next))
    })
    .await
}

/// Keeps `touch` as the lead's last touch (a later capture of the same phone within the
/// window), unless it already has a later one or says nothing the latest did not. The version moves, so an edit decided on the
/// lead before it is refused or retried rather than dropping the touch.
pub async fn touch_again(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    touch: &LastTouch,
) -> Result<Lead, LeadWriteError> {
    optimistically(|| async move {
        let (lead, stored) = load(store, tenant, id).await?;
        let latest = lead.latest_touch();
        // Not later, or nothing new (the same form sent again, a double tap): no write, so
        // the lead's version stays and nobody's edit is refused for it.
        if latest.at >= touch.at || (latest.source, &latest.touch) == (touch.source, &touch.touch) {
            return Ok(Attempt::Done(lead));
        }
        let mut next = lead.clone();
        next.last_touch = Some(touch.clone());
        next.version = lead.version + 1;
        next.updated_at = touch.at;
        let item = rewritten_item(&next, &stored)?;
        let writes = vec![Write::put(item).with_check(version_check(lead.version))];
        Ok(commit_versioned(store, tenant, id, writes, false)
            .await?
            .map(|()| next))
    })
    .await
}
