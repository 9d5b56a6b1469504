//! `LocalQueue`: the queue port on an SQLite file, with SQS's behaviour (see
//! `ports::queue`): visibility timeout, receive counts, redrive to a dead-letter queue after
//! `MAX_RECEIVES`, delays; and, being a file, it keeps its messages across a restart. Time
//! comes from the injected clock, so tests move it instead of sleeping.

use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rusqlite::{params, Connection};

use crate::ports::clock::Clock;
use crate::ports::queue::{
    DeadLetter, Queue, QueueError, QueueName, Received, MAX_DELAY_SECS, MAX_RECEIVES,
};

#[derive(Clone)]
pub struct LocalQueue {
    db: Arc<Mutex<Connection>>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for LocalQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalQueue").finish_non_exhaustive()
    }
}

fn unavailable(e: impl std::fmt::Display) -> QueueError {
    QueueError::Unavailable(e.to_string())
}

fn dlq(queue: QueueName) -> String {
    format!("{}-dlq", queue.as_str())
}

impl LocalQueue {
    /// Opens (or creates) the queue file.
    pub fn open(path: &Path, clock: Arc<dyn Clock>) -> Result<Self, QueueError> {
        let conn = Connection::open(path).map_err(unavailable)?;
        Self::init(conn, clock)
    }

    /// A queue in memory (tests).
    pub fn in_memory(clock: Arc<dyn Clock>) -> Result<Self, QueueError> {
        Self::init(Connection::open_in_memory().map_err(unavailable)?, clock)
    }

    fn init(conn: Connection, clock: Arc<dyn Clock>) -> Result<Self, QueueError> {
        conn.execute_batch(
            "PRAGMA journal_mode=WAL;
             PRAGMA synchronous=NORMAL;
             -- Checkpoints every 10,000 pages rather than 1,000, as the store's (each one
             -- syncs the files; at 1,000 they took a twentieth of a busy capture's CPU).
             PRAGMA wal_autocheckpoint=10000;
             CREATE TABLE IF NOT EXISTS messages (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                queue TEXT NOT NULL,
                id TEXT NOT NULL,
                body TEXT NOT NULL,
                visible_at INTEGER NOT NULL,
                receive_count INTEGER NOT NULL DEFAULT 0,
                receipt TEXT,
                reason TEXT
             );
             CREATE INDEX IF NOT EXISTS messages_visible ON messages (queue, visible_at, seq);
             -- Deleting and releasing a received message find it by its receipt, not by
             -- reading the whole queue.
             CREATE INDEX IF NOT EXISTS messages_receipt ON messages (receipt)
                 WHERE receipt IS NOT NULL;",
        )
        .map_err(unavailable)?;
        Ok(Self {
            db: Arc::new(Mutex::new(conn)),
            clock,
        })
    }

    fn now_ms(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, QueueError> {
        let mut conn = self.db.lock().map_err(|_| unavailable("queue poisoned"))?;
        f(&mut conn).map_err(unavailable)
    }

    fn insert(
        &self,
        queue: &str,
        body: &str,
        visible_at: i64,
        reason: Option<&str>,
    ) -> Result<String, QueueError> {
        let id = ulid::Ulid::new().to_string();
        self.with(|c| {
            c.prepare_cached(
                "INSERT INTO messages (queue, id, body, visible_at, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![queue, id, body, visible_at, reason])
        })?;
        Ok(id)
    }

    /// Messages waiting in `queue` (visible or not), for tests and the local status page.
    pub fn depth(&self, queue: QueueName) -> Result<usize, QueueError> {
        self.with(|c| {
            c.query_row(
                "SELECT COUNT(*) FROM messages WHERE queue = ?1",
                params![queue.as_str()],
                |r| r.get::<_, i64>(0),
            )
        })
        .map(|n| usize::try_from(n).unwrap_or(0))
    }
}

#[async_trait]
impl Queue for LocalQueue {
    async fn send(
        &self,
        queue: QueueName,
        body: &str,
        delay_secs: u32,
    ) -> Result<String, QueueError> {
        let delay = i64::from(delay_secs.min(MAX_DELAY_SECS)) * 1000;
        self.insert(queue.as_str(), body, self.now_ms() + delay, None)
    }

    async fn dead_letter(
        &self,
        queue: QueueName,
        body: &str,
        reason: &str,
    ) -> Result<(), QueueError> {
        self.insert(&dlq(queue), body, self.now_ms(), Some(reason))
            .map(|_| ())
    }

    async fn receive(
        &self,
        queue: QueueName,
        max: u32,
        visibility_secs: u32,
    ) -> Result<Vec<Received>, QueueError> {
        let now = self.now_ms();
        let hidden_until = now + i64::from(visibility_secs) * 1000;
        let dlq_name = dlq(queue);
        self.with(|c| {
            let tx = c.transaction()?;
            let mut out = Vec::new();
            {
                let mut due = tx.prepare_cached(
                    "SELECT seq, id, body, receive_count FROM messages
                     WHERE queue = ?1 AND visible_at <= ?2 ORDER BY visible_at, seq LIMIT ?3",
                )?;
                let rows = due
                    .query_map(params![queue.as_str(), now, max], |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, u32>(3)?,
                        ))
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                for (seq, id, body, count) in rows {
                    if count >= MAX_RECEIVES {
                        // The redrive policy: received too often, it moves to the DLQ.
                        tx.execute(
                            "UPDATE messages SET queue = ?1, visible_at = ?2, receipt = NULL,
                             reason = COALESCE(reason, ?3) WHERE seq = ?4",
                            params![
                                dlq_name,
                                now,
                                format!("received {count} times (maxReceiveCount {MAX_RECEIVES})"),
                                seq
                            ],
                        )?;
                        continue;
                    }
                    let receipt = ulid::Ulid::new().to_string();
                    tx.prepare_cached(
                        "UPDATE messages SET visible_at = ?1, receive_count = receive_count + 1,
                         receipt = ?2 WHERE seq = ?3",
                    )?
                    .execute(params![hidden_until, receipt, seq])?;
                    out.push(Received {
                        message_id: id,
                        receipt,
                        body,
                        receive_count: count + 1,
                    });
                }
            }
            tx.commit()?;
            Ok(out)
        })
    }

    async fn delete(&self, queue: QueueName, receipt: &str) -> Result<(), QueueError> {
        self.with(|c| {
            c.prepare_cached("DELETE FROM messages WHERE queue = ?1 AND receipt = ?2")?
                .execute(params![queue.as_str(), receipt])
        })
        .map(|_| ())
    }

    async fn release(
        &self,
        queue: QueueName,
        receipt: &str,
        delay_secs: u32,
    ) -> Result<(), QueueError> {
        let at = self.now_ms() + i64::from(delay_secs) * 1000;
        self.with(|c| {
            c.execute(
                "UPDATE messages SET visible_at = ?1 WHERE queue = ?2 AND receipt = ?3",
                params![at, queue.as_str(), receipt],
            )
        })
        .map(|_| ())
    }

    async fn dead_letters(
        &self,
        queue: QueueName,
        max: u32,
    ) -> Result<Vec<DeadLetter>, QueueError> {
        self.with(|c| {
            let mut q = c.prepare(
                "SELECT body, reason FROM messages WHERE queue = ?1 ORDER BY seq LIMIT ?2",
            )?;
            let rows = q
                .query_map(params![dlq(queue), max], |r| {
                    Ok(DeadLetter {
                        body: r.get(0)?,
                        reason: r.get::<_, Option<String>>(1)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>();
            rows
        })
    }
}
