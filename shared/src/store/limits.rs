//! Rate limits on what the public can do: how many leads a tenant's form takes per minute,
//! in all and from one client address (issue 17). One conditional write per capture and no
//! read: the minute's counter item is added to only while both its counts are under their
//! limits, so a refused capture changes nothing. A fixed window rather than a token bucket:
//! a bucket needs its level read before it is written (a read and a write per capture, and
//! a retry when two collide), where a window's count is one atomic `ADD`; the price is that
//! a client may spend two windows' worth across a boundary, which the limits allow for.
//!
//! Addresses are kept as a short hash (never the address itself) in an item that expires a
//! minute after its window, so the counter holds no personal data worth erasing.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::domain::tenant::{CaptureLimits, SmsLimits};
use crate::ports::store::{Check, Cond, Store, StoreError, Update, Write};
use crate::store::keys;
use crate::store::retry::{optimistically, Attempt};

/// Whether a capture may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Admitted,
    /// Over a limit: try again in this many seconds (when the window ends).
    Limited {
        retry_after: u64,
    },
}

/// Counts one capture for `tenant` from `client` (its address, when known) at `now`, if the
/// minute's counts are under `limits`.
pub async fn admit_capture(
    store: &dyn Store,
    tenant: &str,
    client: Option<&str>,
    limits: &CaptureLimits,
    now: DateTime<Utc>,
) -> Result<Admission, StoreError> {
    let (minute, window_ends) = window(now, 60);
    let mut update = Update::default().add("n", 1);
    let mut under = vec![below("n", limits.per_minute)];
    if let Some(client) = client {
        let attr = client_attr(client);
        under.push(below(&attr, limits.per_client_per_minute));
        update = update.add(attr, 1);
    }
    let key = keys::capture_limit_key(tenant, minute);
    count_in_window(store, key, update, Cond::And(under), window_ends, now).await
}

/// Sign-ups (`POST /tenants`) one client address may make in an hour: a person founds one
/// business, perhaps a second; a script founding hundreds is refused.
pub const SIGNUPS_PER_CLIENT_PER_HOUR: u32 = 5;

/// Counts one sign-up from `client` at `now`, if that address is under
/// [`SIGNUPS_PER_CLIENT_PER_HOUR`] this hour (one conditional write on an item of its own).
pub async fn admit_signup(
    store: &dyn Store,
    client: &str,
    now: DateTime<Utc>,
) -> Result<Admission, StoreError> {
    let (hour, window_ends) = window(now, 3600);
    let key = keys::signup_limit_key(&client_attr(client), hour);
    let update = Update::default().add("n", 1);
    let under = below("n", SIGNUPS_PER_CLIENT_PER_HOUR);
    count_in_window(store, key, update, under, window_ends, now).await
}

/// The fixed window of `secs` seconds `now` falls in: its number (since the epoch) and the
/// moment it ends.
fn window(now: DateTime<Utc>, secs: i64) -> (i64, i64) {
    let n = now.timestamp().div_euclid(secs);
    (n, (n + 1) * secs)
}

/// Applies `update` to the window's counter item if `under` holds (and keeps the item a
/// minute past the window's end); refused, the caller may try again when the window ends.
async fn count_in_window(
    store: &dyn Store,
    key: crate::ports::store::Key,
    update: Update,
    under: Cond,
    window_ends: i64,
    now: DateTime<Utc>,
) -> Result<Admission, StoreError> {
    let write = Write::Update {
        key,
        update: update.set("expires_at", window_ends + 60),
        check: Some(Check::new("rate_limit", under)),
    };
    match store.write(write).await {
        Ok(()) => Ok(Admission::Admitted),
        Err(StoreError::ConditionFailed("rate_limit")) => Ok(Admission::Limited {
            retry_after: u64::try_from(window_ends - now.timestamp())
                .unwrap_or(1)
                .max(1),
        }),
        Err(e) => Err(e),
    }
}

/// Whether a text may go out, or which daily cap holds it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextAdmission {
    Admitted,
    NumberCap,
    TenantCap,
}

/// Counts one text from `tenant` to `to` on `now`'s UTC day, if both the number's and the
/// tenant's counts are under `limits`: one transaction of two conditional `ADD`s (4 WCU, next
/// to a text's few cents), so a text held back by one cap is counted by neither.
pub async fn admit_text(
    store: &dyn Store,
    tenant: &str,
    to: &str,
    limits: &SmsLimits,
    now: DateTime<Utc>,
) -> Result<TextAdmission, StoreError> {
    let (day, day_ends) = window(now, 86_400);
    let expires = day_ends + 86_400;
    let count = |number: Option<&str>, limit: u32, name: &'static str| Write::Update {
        key: keys::sms_cap_key(tenant, day, number),
        update: Update::default().add("n", 1).set("expires_at", expires),
        check: Some(Check::new(name, below("n", limit))),
    };
    let number = client_attr(to);
    let (count, number) = (&count, &number);
    // Texts of one tenant sent at once meet on its day's counter: a transaction that
    // collides is tried again (backing off), not given up on.
    optimistically(|| async move {
        let writes = vec![
            count(Some(number), limits.per_number_per_day, "sms_number_cap"),
            count(None, limits.per_day, "sms_tenant_cap"),
        ];
        match store.transact(writes).await {
            Ok(()) => Ok(Attempt::Done(TextAdmission::Admitted)),
            Err(StoreError::ConditionFailed("sms_number_cap")) => {
                Ok(Attempt::Done(TextAdmission::NumberCap))
            }
            Err(StoreError::ConditionFailed("sms_tenant_cap")) => {
                Ok(Attempt::Done(TextAdmission::TenantCap))
            }
            Err(e) if e.is_retryable() => Ok(Attempt::Collided),
            Err(e) => Err(e),
        }
    })
    .await
}

/// `attr` is missing (nothing counted yet) or under `limit`.
fn below(attr: &str, limit: u32) -> Cond {
    Cond::Or(vec![
        Cond::AttrNotExists(attr.to_owned()),
        Cond::Lt(attr.to_owned(), Value::from(limit)),
    ])
}

/// The attribute counting one client address: `c_` and 12 hex digits of its SHA-256.
fn client_attr(client: &str) -> String {
    let digest = Sha256::digest(client.as_bytes());
    format!("c_{}", hex::encode(&digest[..6]))
}
