//! Optimistic concurrency, written once (DESIGN §4): read, decide, write under a condition on
//! what was read; when the write collides (another writer got there first, a transaction
//! conflict, throttling), read again and decide again after a jittered backoff, a bounded
//! number of times, then give up with `StoreError::Conflict` (a 503 the client may retry).

use std::future::Future;
use std::time::Duration;

use crate::ports::store::{Store, StoreError, Write};

/// Attempts at a change whose writes keep colliding before giving up.
pub const MAX_ATTEMPTS: u32 = 8;

/// What one attempt at a change concluded.
#[derive(Debug, Clone, PartialEq)]
pub enum Attempt<T> {
    /// Done (written, or nothing to write): the answer.
    Done(T),
    /// The write collided: read again and try again.
    Collided,
}

impl<T> Attempt<T> {
    /// The answer of a done attempt, made by `f`.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Attempt<U> {
        match self {
            Attempt::Done(answer) => Attempt::Done(f(answer)),
            Attempt::Collided => Attempt::Collided,
        }
    }
}

/// Runs `attempt` until it is done, backing off between collisions; `Conflict` after
/// [`MAX_ATTEMPTS`]. Each attempt must read afresh what it decides on. (A closure returning
/// an `async move` block rather than an async closure: the futures of async closures that
/// borrow cannot yet be proven `Send` for the handlers' spawned tasks.)
pub async fn optimistically<T, E, F, Fut>(mut attempt: F) -> Result<T, E>
where
    E: From<StoreError>,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Attempt<T>, E>>,
{
    for n in 1..=MAX_ATTEMPTS {
        match attempt().await? {
            Attempt::Done(answer) => return Ok(answer),
            Attempt::Collided if n < MAX_ATTEMPTS => backoff(n).await,
            Attempt::Collided => {}
        }
    }
    Err(StoreError::Conflict.into())
}

/// Whether a failed write collided and the change should be tried again on fresh reads: one
/// of the named `conditions` failed (the state it decided on moved), or the store asks for a
/// retry (a transaction conflict, throttling).
pub fn collided(e: &StoreError, conditions: &[&str]) -> bool {
    e.is_retryable() || matches!(e, StoreError::ConditionFailed(name) if conditions.contains(name))
}

/// Commits `writes` in one transaction: `Done` when written, `Collided` when it collided
/// (see [`collided`]), any other failure as it is.
pub async fn commit(
    store: &dyn Store,
    writes: Vec<Write>,
    conditions: &[&str],
) -> Result<Attempt<()>, StoreError> {
    match store.transact(writes).await {
        Ok(()) => Ok(Attempt::Done(())),
        Err(e) if collided(&e, conditions) => Ok(Attempt::Collided),
        Err(e) => Err(e),
    }
}

/// Writes one item: `Done` when written, `Collided` when it collided (see [`collided`]).
pub async fn write(
    store: &dyn Store,
    write: Write,
    conditions: &[&str],
) -> Result<Attempt<()>, StoreError> {
    match store.write(write).await {
        Ok(()) => Ok(Attempt::Done(())),
        Err(e) if collided(&e, conditions) => Ok(Attempt::Collided),
        Err(e) => Err(e),
    }
}

/// The pause before attempt `n + 1`: growing with `n` (5 ms · n²), with up to as much again at
/// random, so writers that collided once do not collide again in step.
async fn backoff(n: u32) {
    let base = 5 * u64::from(n * n);
    let jitter = u64::from(ulid::Ulid::new().random() as u32) % (base + 1);
    tokio::time::sleep(Duration::from_millis(base + jitter)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_change_is_tried_again_until_done_and_gives_up_after_the_last_attempt() {
        let calls = &std::cell::Cell::new(0);
        let done: Result<u32, StoreError> = optimistically(|| async move {
            calls.set(calls.get() + 1);
            Ok(if calls.get() < 3 {
                Attempt::Collided
            } else {
                Attempt::Done(calls.get())
            })
        })
        .await;
        assert_eq!(done.ok(), Some(3));

        let tries = &std::cell::Cell::new(0);
        let never: Result<(), StoreError> = optimistically(|| async move {
            tries.set(tries.get() + 1);
            Ok(Attempt::Collided)
        })
        .await;
        assert!(matches!(never, Err(StoreError::Conflict)));
        assert_eq!(tries.get(), MAX_ATTEMPTS);
    }

    #[test]
    fn only_named_conditions_and_retryable_failures_are_collisions() {
        assert!(collided(
            &StoreError::ConditionFailed("version"),
            &["version"]
        ));
        assert!(!collided(
            &StoreError::ConditionFailed("phone"),
            &["version"]
        ));
        assert!(collided(&StoreError::Throttled, &[]));
        assert!(!collided(&StoreError::Backend("down".into()), &["version"]));
    }
}
