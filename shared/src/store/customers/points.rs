//! Loyalty points spent (issue 20 item 5): a redemption takes points from what the customer
//! has left to redeem, never below zero, and says why on the timeline. Earned points come
//! from what the customer paid (`domain::customer::classify`); only the redeemed count is
//! kept, so a refund that lowers the earned points never gives spent ones back.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::*;
use crate::ports::store::Store;
use crate::store::retry::optimistically;

/// A redemption: how many points, why, by whom, and (optionally) the version it was
/// decided on, so a retried request cannot spend twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redemption<'a> {
    pub points: i64,
    pub reason: &'a str,
    pub actor: &'a str,
    pub expected_version: Option<u64>,
}

/// Takes `r.points` from the customer's available points at `now`: `InsufficientPoints`
/// (nothing written) when they have fewer, `StaleVersion` when `r.expected_version` is no
/// longer theirs. Two redemptions at once are serialised by the customer's version: the
/// second sees what the first left.
pub async fn redeem_points(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    r: &Redemption<'_>,
    now: DateTime<Utc>,
) -> Result<Customer, CustomerWriteError> {
    optimistically(|| async move {
        let before = load_customer(store, tenant, id).await?;
        if r.expected_version.is_some_and(|v| v != before.version) {
            return Err(CustomerWriteError::StaleVersion {
                current: before.version,
            });
        }
        if r.points > before.points_available {
            return Err(CustomerWriteError::InsufficientPoints {
                available: before.points_available,
                asked: r.points,
            });
        }
        let mut after = before.clone();
        after.points_redeemed = before.points_redeemed.saturating_add(r.points);
        after.points_available = (after.points - after.points_redeemed).max(0);
        after.version = before.version + 1;
        after.updated_at = now;
        let entry = timeline_entry_write(
            tenant,
            id,
            "points",
            format!("{} points redeemed: {}", r.points, r.reason),
            json!({
                "redeemed": r.points,
                "reason": r.reason,
                "available": after.points_available,
                "actor": r.actor,
            }),
            now,
        )?;
        commit_expected(
            store,
            tenant,
            &before,
            after,
            vec![entry],
            r.expected_version,
        )
        .await
    })
    .await
}
