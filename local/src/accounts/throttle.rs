//! Failed sign-ins slow the next ones, per account and per client address: after
//! `FREE_FAILURES` failures within `WINDOW`, each further try waits twice as long as the last
//! (1 s, 2 s, 4 s … at most `MAX_WAIT`), answered 429 with `Retry-After`. Kept in memory: one
//! machine, one process (a restart forgets, which only ever helps the owner locked out).
//! Unknown emails are counted like known ones, so the answers tell nothing about which exist.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const FREE_FAILURES: u32 = 5;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
pub const MAX_WAIT: Duration = Duration::from_secs(15 * 60);
/// Entries kept at most (the oldest go first when a flood of addresses fills it).
const MAX_ENTRIES: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

#[derive(Debug, Default)]
pub struct Throttle {
    entries: Mutex<HashMap<String, Failures>>,
}

fn wait_after(count: u32) -> Duration {
    if count < FREE_FAILURES {
        return Duration::ZERO;
    }
    let doubling = (count - FREE_FAILURES).min(20);
    Duration::from_secs(1u64 << doubling).min(MAX_WAIT)
}

impl Throttle {
    /// How long the longest of `keys` must still wait before another try (zero: go ahead).
    pub fn wait(&self, keys: &[&str], now: Instant) -> Duration {
        let Ok(entries) = self.entries.lock() else {
            return Duration::ZERO;
        };
        keys.iter()
            .filter_map(|k| entries.get(*k))
            .filter(|f| now.duration_since(f.last) < WINDOW)
            .map(|f| (f.last + wait_after(f.count)).saturating_duration_since(now))
            .max()
            .unwrap_or(Duration::ZERO)
    }

    /// Counts a failed try against each of `keys`.
    pub fn failed(&self, keys: &[&str], now: Instant) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, f| now.duration_since(f.last) < WINDOW);
        }
        for key in keys {
            let entry = entries.entry((*key).to_owned()).or_insert(Failures {
                count: 0,
                last: now,
            });
            if now.duration_since(entry.last) >= WINDOW {
                entry.count = 0;
            }
            entry.count += 1;
            entry.last = now;
        }
    }

    /// Forgets the failures of `key` (the account, after its owner signed in).
    pub fn succeeded(&self, key: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_past_the_free_ones_make_the_next_try_wait_longer_each_time() {
        let t = Throttle::default();
        let start = Instant::now();
        for _ in 0..FREE_FAILURES - 1 {
            t.failed(&["a@b.ie", "ip:1"], start);
        }
        assert_eq!(t.wait(&["a@b.ie"], start), Duration::ZERO);
        t.failed(&["a@b.ie", "ip:1"], start);
        assert_eq!(t.wait(&["a@b.ie"], start), Duration::from_secs(1));
        t.failed(&["a@b.ie"], start);
        assert_eq!(t.wait(&["a@b.ie", "ip:1"], start), Duration::from_secs(2));
        // Another account from another address is not slowed.
        assert_eq!(t.wait(&["c@d.ie", "ip:2"], start), Duration::ZERO);
        // The address alone is slowed for every account tried from it.
        assert_eq!(t.wait(&["c@d.ie", "ip:1"], start), Duration::from_secs(1));
        t.succeeded("a@b.ie");
        assert_eq!(t.wait(&["a@b.ie"], start), Duration::ZERO);
        // Failures older than the window are forgotten.
        assert_eq!(t.wait(&["ip:1"], start + WINDOW), Duration::ZERO);
    }
}
