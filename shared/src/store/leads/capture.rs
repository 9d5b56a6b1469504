//! A new lead with the claim on its phone: two conditional writes, the claim first.
//!
//! Not one transaction: a transaction bills each item twice (the claim and the lead, four
//! write units a capture of the six it costs). The claim goes first, so a lead is only ever
//! written by the request holding its phone's claim, and nothing that reads leads (lists,
//! the table's stream) sees a lead that lost the race. A claim whose lead never came (the
//! writer died between the two writes) is an orphan: the next capture of that phone finds
//! its lead missing and takes the claim over, so a prospect is never told "already
//! received" about a lead that does not exist.

use std::time::Duration;

use super::*;

/// What a capture did.
#[derive(Debug, Clone, PartialEq)]
pub enum Inserted {
    Created,
    /// The phone was claimed within the window by this lead.
    Duplicate {
        existing_id: String,
    },
}

/// A claim younger than this whose lead is missing may still be in flight (its writer is
/// between the two writes): wait for it this long before calling it an orphan.
const IN_FLIGHT_MS: i64 = 2_000;
/// How often a capture looks again for a young claim's lead while it waits.
const IN_FLIGHT_LOOK: Duration = Duration::from_millis(100);

/// Writes a new lead (with its contact task, if it has one) after claiming its phone for
/// `window_hours`. If the phone is already claimed in the window by a lead that exists,
/// nothing is written and that lead's id comes back. Collisions are retried.
pub async fn insert(
    store: &dyn Store,
    lead: &Lead,
    stale_after_hours: u32,
    window_hours: u32,
    now: DateTime<Utc>,
) -> Result<Inserted, StoreError> {
    let claimed = optimistically(|| claim(store, lead, window_hours, now)).await?;
    if let Some(existing_id) = claimed {
        return Ok(Inserted::Duplicate { existing_id });
    }
    write_claimed(store, lead, stale_after_hours).await
}

/// Claims the lead's phone only if nobody holds it (or this lead already does), so giving
/// the claim up again ([`give_up_claim`]) takes nothing from anyone: `true` when claimed,
/// `false` when the phone has a claim (in its window or not) or the write collided, and
/// [`insert`] must decide. A capture sends this while its rate limit is being counted:
/// most phones are new, and their lead is then written one round trip sooner.
pub async fn claim_if_unheld(
    store: &dyn Store,
    lead: &Lead,
    window_hours: u32,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let unheld = Cond::Or(vec![
        Cond::NotExists,
        Cond::Eq("lead_id".into(), lead.id.clone().into()),
    ]);
    let item = claim_item(lead, window_hours, now);
    match store
        .write(Write::put(item).with_check(Check::new("phone_claim", unheld)))
        .await
    {
        Ok(()) => Ok(true),
        Err(StoreError::ConditionFailed("phone_claim")) => Ok(false),
        Err(e) if e.is_retryable() => Ok(false),
        Err(e) => Err(e),
    }
}

/// Writes the lead whose phone this request has claimed; its claim is given up if the
/// write fails.
pub async fn write_claimed(
    store: &dyn Store,
    lead: &Lead,
    stale_after_hours: u32,
) -> Result<Inserted, StoreError> {
    let item = lead_item(
        lead,
        StaleDue::After(stale_after_hours),
        lead.expected_value,
    )?;
    let written = store
        .write(Write::put(item).with_check(Check::new("lead_id", Cond::NotExists)))
        .await;
    match written {
        // Already there: this very lead, written by an earlier try of this call.
        Ok(()) | Err(StoreError::ConditionFailed("lead_id")) => Ok(Inserted::Created),
        Err(e) => {
            give_up_claim(store, lead).await;
            Err(e)
        }
    }
}

/// The claim item naming `lead` as the phone's latest lead, its window from `now`.
fn claim_item(lead: &Lead, window_hours: u32, now: DateTime<Utc>) -> Item {
    let now_ms = now.timestamp_millis();
    let key = keys::phone_claim(&lead.tenant_id, &lead.phone);
    let mut item = Item::new();
    item.insert(PK.into(), key.pk.into());
    item.insert(SK.into(), key.sk.into());
    item.insert("lead_id".into(), lead.id.clone().into());
    // No TTL: after its window the claim still names the latest lead with this phone,
    // which is how a booking finds the lead it converts (customers::ingest).
    item.insert(
        "window_ends_ms".into(),
        (now_ms + i64::from(window_hours) * 3_600_000).into(),
    );
    item.insert("claimed_ms".into(), now_ms.into());
    item
}

/// Claims the lead's phone: `None` when claimed for it, the claiming lead's id when another
/// lead (that exists) holds the claim within its window.
async fn claim(
    store: &dyn Store,
    lead: &Lead,
    window_hours: u32,
    now: DateTime<Utc>,
) -> Result<Attempt<Option<String>>, StoreError> {
    let now_ms = now.timestamp_millis();
    let key = keys::phone_claim(&lead.tenant_id, &lead.phone);
    let item = claim_item(lead, window_hours, now);
    let free = Cond::Or(vec![
        Cond::NotExists,
        Cond::Lt("window_ends_ms".into(), now_ms.into()),
        Cond::Eq("lead_id".into(), lead.id.clone().into()),
    ]);
    match store
        .write(Write::put(item.clone()).with_check(Check::new("phone_claim", free)))
        .await
    {
        Ok(()) => return Ok(Attempt::Done(None)),
        Err(StoreError::ConditionFailed("phone_claim")) => {}
        Err(e) if e.is_retryable() => return Ok(Attempt::Collided),
        Err(e) => return Err(e),
    }
    let Some(existing) = store.get(&key).await? else {
        // The claim vanished between the two calls: try again.
        return Ok(Attempt::Collided);
    };
    let Some(holder) = existing.get("lead_id").and_then(Value::as_str) else {
        return Err(StoreError::Corrupt(format!(
            "claim {} without lead",
            key.pk
        )));
    };
    let claimed_ms = existing
        .get("claimed_ms")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if lead_exists(store, &lead.tenant_id, holder, now_ms - claimed_ms).await? {
        return Ok(Attempt::Done(Some(holder.to_owned())));
    }
    // An orphan: take it over, unless someone else just did.
    let takeover = Check::new("phone_claim", Cond::Eq("lead_id".into(), holder.into()));
    match store.write(Write::put(item).with_check(takeover)).await {
        Ok(()) => {
            tracing::warn!(tenant = %lead.tenant_id, orphan = holder, lead_id = %lead.id,
                "phone claim taken over from a lead that was never written");
            Ok(Attempt::Done(None))
        }
        Err(e) if retry::collided(&e, &["phone_claim"]) => Ok(Attempt::Collided),
        Err(e) => Err(e),
    }
}

/// Whether the claim holder's lead exists; a claim `age_ms` old whose lead is missing is
/// looked at again until it is [`IN_FLIGHT_MS`] old (its writer may be between its writes).
async fn lead_exists(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    age_ms: i64,
) -> Result<bool, StoreError> {
    let key = keys::lead(tenant, id);
    let looks = ((IN_FLIGHT_MS - age_ms).max(0) / IN_FLIGHT_LOOK.as_millis() as i64) as u32;
    for look in 0..=looks {
        if look > 0 {
            tokio::time::sleep(IN_FLIGHT_LOOK).await;
        }
        if store.get(&key).await?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Gives up the claim of a lead that could not be written, or was refused (best effort: an
/// orphan claim is taken over by the next capture of the phone anyway).
pub async fn give_up_claim(store: &dyn Store, lead: &Lead) {
    let key = keys::phone_claim(&lead.tenant_id, &lead.phone);
    let check = Check::new(
        "phone_claim",
        Cond::Eq("lead_id".into(), lead.id.clone().into()),
    );
    if let Err(e) = store
        .write(Write::Delete {
            key,
            check: Some(check),
        })
        .await
    {
        tracing::warn!(tenant = %lead.tenant_id, lead_id = %lead.id, error = %e,
            "phone claim of an unwritten lead not released");
    }
}
