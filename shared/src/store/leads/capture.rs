//! A new lead with the claim on its phone: one conditional transaction.

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

/// Writes a new lead together with the claim on its phone for `window_hours`, in one
/// conditional transaction. If the phone is already claimed in the window, nothing is
/// written and the claiming lead's id comes back. Collisions are retried.
pub async fn insert(
    store: &dyn Store,
    lead: &Lead,
    stale_after_hours: u32,
    window_hours: u32,
    now: DateTime<Utc>,
) -> Result<Inserted, StoreError> {
    let now_ms = now.timestamp_millis();
    let window_ends = now_ms + i64::from(window_hours) * 3_600_000;
    let claim_key = keys::phone_claim(&lead.tenant_id, &lead.phone);
    // Built for each attempt rather than cloned: a retry is rare, a capture is not.
    let writes = || -> Result<Vec<Write>, StoreError> {
        let mut claim = Item::new();
        claim.insert(PK.into(), claim_key.pk.clone().into());
        claim.insert(SK.into(), claim_key.sk.clone().into());
        claim.insert("lead_id".into(), lead.id.clone().into());
        // No TTL: after its window the claim still names the latest lead with this phone,
        // which is how a booking finds the lead it converts (customers::ingest).
        claim.insert("window_ends_ms".into(), window_ends.into());
        let lead_item = lead_item(
            lead,
            StaleDue::After(stale_after_hours),
            lead.expected_value,
        )?;
        Ok(vec![
            Write::put(lead_item).with_check(Check::new("lead_id", Cond::NotExists)),
            Write::put(claim).with_check(Check::new(
                "phone_claim",
                Cond::Or(vec![
                    Cond::NotExists,
                    Cond::Lt("window_ends_ms".into(), now_ms.into()),
                ]),
            )),
        ])
    };
    let (writes, claim_key) = (&writes, &claim_key);
    optimistically(|| async move {
        match store.transact(writes()?).await {
            Ok(()) => Ok(Attempt::Done(Inserted::Created)),
            Err(StoreError::ConditionFailed("phone_claim")) => {
                let existing = store.get(claim_key).await?;
                Ok(
                    match existing
                        .as_ref()
                        .and_then(|c| c.get("lead_id"))
                        .and_then(Value::as_str)
                    {
                        Some(id) => Attempt::Done(Inserted::Duplicate {
                            existing_id: id.to_owned(),
                        }),
                        // The claim vanished between the two calls: try again.
                        None => Attempt::Collided,
                    },
                )
            }
            Err(e) if e.is_retryable() => Ok(Attempt::Collided),
            Err(e) => Err(e),
        }
    })
    .await
}
