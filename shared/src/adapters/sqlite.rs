//! `SqliteStore`: the store port on one SQLite file, with DynamoDB's semantics.
//!
//! Items are JSON documents keyed by (PK, SK); each GSI's key attributes are copied into
//! indexed columns so index queries are range scans of an index, never of the table.
//! Conditions, transactions and cursors behave as in DynamoDB. One writer thread applies
//! whatever writes are waiting and commits them together (group commit); a second thread
//! makes each committed group durable (one `fdatasync` of the WAL shared by every write in
//! it, and by every group committed meanwhile) and only then answers its writes. So every
//! acknowledged write is on disk, and the writer builds the next group while the previous
//! one is being flushed. Reads use their own connections.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rusqlite::{params_from_iter, Connection, OptionalExtension};
use serde_json::Value;

use crate::ports::store::capacity::{item_size, CapacityMeter, ReadKind};
use crate::ports::store::{
    evaluate, table, validate_transaction, Cursor, Index, Item, Key, Page, Query, SkCond, Store,
    StoreError, Write, PK, SK,
};
use crate::store::stream::Change;

/// Most writes committed together by one fsync.
const MAX_GROUP: usize = 256;

#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    /// Writes go to the one writer thread, which commits them in groups.
    writer: Mutex<std::sync::mpsc::Sender<Job>>,
    /// Read connections (WAL lets them read while the writer writes).
    readers: Mutex<Vec<Connection>>,
    path: PathBuf,
    meter: Arc<CapacityMeter>,
    /// A scratch store (`in_memory`): its files are removed when it is dropped.
    scratch: bool,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if self.scratch {
            for suffix in ["", "-wal", "-shm"] {
                let mut p = self.path.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
        }
    }
}

/// One unit of work for the writer: all or nothing, answered after it is durable.
enum Work {
    Write(Write),
    Transact(Vec<Write>),
    Purge(i64),
    /// Forget the change log up to and including this sequence number.
    ForgetChanges(i64),
}

type Reply = tokio::sync::oneshot::Sender<Result<usize, StoreError>>;

struct Job {
    work: Work,
    reply: Reply,
}

/// A committed group's answers, held until the group is durable.
type Answers = Vec<(Reply, Result<usize, StoreError>)>;

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

impl SqliteStore {
    /// Opens (and creates if needed) the store in `path`. Every acknowledged write is on disk
    /// (its WAL frames flushed by `fdatasync` before the write is answered).
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::start(path.to_path_buf(), true, false)
    }

    /// A private scratch store for tests and benchmarks: a temporary file without fsync,
    /// removed when the last clone is dropped.
    pub fn in_memory() -> Result<Self, StoreError> {
        let path = std::env::temp_dir().join(format!("crm-scratch-{}.sqlite3", ulid::Ulid::new()));
        Self::start(path, false, true)
    }

    fn start(path: PathBuf, durable: bool, scratch: bool) -> Result<Self, StoreError> {
        let conn = Connection::open(&path).map_err(backend)?;
        conn.execute_batch(&format!(
            // Commits do not sync (synchronous=NORMAL): the durability thread flushes the WAL
            // before any write is answered. Checkpoints (which sync the WAL and the database
            // themselves) run on the writer every 10,000 pages (~40 MB of WAL) rather than
            // SQLite's 1,000, which keeps them off most captures' path. A scratch store never
            // syncs (OFF).
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = {}; PRAGMA busy_timeout = 5000;
             PRAGMA wal_autocheckpoint = 10000; PRAGMA temp_store = MEMORY;",
            if durable { "NORMAL" } else { "OFF" }
        ))
        .map_err(backend)?;
        create_schema(&conn)?;
        let meter = Arc::new(CapacityMeter::default());
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let answer: Box<dyn Fn(Answers) + Send> = if durable {
            let (done_tx, done_rx) = std::sync::mpsc::channel::<Answers>();
            let wal = wal_path(&path);
            std::thread::Builder::new()
                .name("sqlite-sync".into())
                .spawn(move || sync_loop(&wal, &done_rx))
                .map_err(backend)?;
            Box::new(move |answers| {
                if let Err(std::sync::mpsc::SendError(answers)) = done_tx.send(answers) {
                    for (reply, _) in answers {
                        let _ = reply.send(Err(backend("durability thread stopped")));
                    }
                }
            })
        } else {
            Box::new(send_answers)
        };
        let writer_meter = Arc::clone(&meter);
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || writer_loop(conn, &rx, &writer_meter, answer.as_ref()))
            .map_err(backend)?;
        Ok(Self {
            inner: Arc::new(Inner {
                writer: Mutex::new(tx),
                readers: Mutex::new(Vec::new()),
                path,
                meter,
                scratch,
            }),
        })
    }

    async fn submit(&self, work: Work) -> Result<usize, StoreError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.inner
            .writer
            .lock()
            .map_err(|_| backend("writer poisoned"))?
            .send(Job { work, reply })
            .map_err(|_| backend("writer stopped"))?;
        answer.await.map_err(|_| backend("writer stopped"))?
    }

    async fn with_reader<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &CapacityMeter) -> Result<T, StoreError> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let pooled = inner
                .readers
                .lock()
                .map_err(|_| backend("readers poisoned"))?
                .pop();
            let conn = match pooled {
                Some(c) => c,
                None => {
                    let c = Connection::open(&inner.path).map_err(backend)?;
                    c.execute_batch("PRAGMA busy_timeout = 5000; PRAGMA query_only = 1;")
                        .map_err(backend)?;
                    c
                }
            };
            let result = f(&conn, &inner.meter);
            if let Ok(mut pool) = inner.readers.lock() {
                pool.push(conn);
            }
            result
        })
        .await
        .map_err(backend)?
    }

    /// Every key in the file, for tests and debugging only (a full scan: no request or job
    /// calls it; the store port has no such operation).
    pub async fn all_keys(&self) -> Result<Vec<Key>, StoreError> {
        self.with_reader(|conn, _| {
            let mut stmt = conn.prepare("SELECT pk, sk FROM items").map_err(backend)?;
            let rows = stmt
                .query_map([], |row| {
                    Ok(Key::new(row.get::<_, String>(0)?, row.get::<_, String>(1)?))
                })
                .map_err(backend)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(backend)
        })
        .await
    }

    /// The oldest `limit` changes of the change log (the local stand-in for the table's
    /// stream), with their sequence numbers.
    pub async fn changes(&self, limit: u32) -> Result<Vec<(i64, Change)>, StoreError> {
        self.with_reader(move |conn, _| {
            let mut stmt = conn
                .prepare_cached("SELECT seq, pk, sk, old, new FROM changes ORDER BY seq LIMIT ?1")
                .map_err(backend)?;
            let rows = stmt
                .query_map([limit], |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, Option<String>>(3)?,
                        row.get::<_, Option<String>>(4)?,
                    ))
                })
                .map_err(backend)?;
            let mut out = Vec::new();
            for row in rows {
                let (seq, pk, sk, old, new) = row.map_err(backend)?;
                out.push((
                    seq,
                    Change {
                        key: Key::new(pk, sk),
                        old: old.as_deref().map(parse).transpose()?,
                        new: new.as_deref().map(parse).transpose()?,
                    },
                ));
            }
            Ok(out)
        })
        .await
    }

    /// Forgets the change log up to and including `seq` (once its events are published).
    pub async fn forget_changes(&self, seq: i64) -> Result<(), StoreError> {
        self.submit(Work::ForgetChanges(seq)).await.map(|_| ())
    }

    /// Deletes items whose TTL has passed (the local stand-in for DynamoDB's TTL sweeper).
    pub async fn purge_expired(&self, now_epoch_secs: i64) -> Result<usize, StoreError> {
        self.submit(Work::Purge(now_epoch_secs)).await
    }
}

fn create_schema(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS items (
             pk TEXT NOT NULL, sk TEXT NOT NULL, item TEXT NOT NULL,
             expires_at INTEGER,
             PRIMARY KEY (pk, sk)) WITHOUT ROWID;
         CREATE INDEX IF NOT EXISTS items_expiry ON items (expires_at)
             WHERE expires_at IS NOT NULL;
         CREATE TABLE IF NOT EXISTS changes (
             seq INTEGER PRIMARY KEY AUTOINCREMENT,
             pk TEXT NOT NULL, sk TEXT NOT NULL, old TEXT, new TEXT);",
    )
    .map_err(backend)?;
    // Index columns, added to a file made before an index existed (its items hold no
    // attributes of the new index yet, so empty columns are right).
    let columns: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('items')")
        .and_then(|mut stmt| {
            stmt.query_map([], |row| row.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(backend)?;
    for n in 1..=table::GSI_COUNT {
        if !columns.contains(&format!("gsi{n}pk")) {
            conn.execute_batch(&format!(
                "ALTER TABLE items ADD COLUMN gsi{n}pk TEXT; ALTER TABLE items ADD COLUMN gsi{n}sk TEXT;"
            ))
            .map_err(backend)?;
        }
        conn.execute_batch(&format!(
            "CREATE INDEX IF NOT EXISTS items_gsi{n} ON items (gsi{n}pk, gsi{n}sk, pk, sk) \
             WHERE gsi{n}pk IS NOT NULL AND gsi{n}sk IS NOT NULL;"
        ))
        .map_err(backend)?;
    }
    Ok(())
}

fn wal_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push("-wal");
    PathBuf::from(p)
}

fn send_answers(answers: Answers) {
    for (reply, result) in answers {
        let _ = reply.send(result);
    }
}

/// The writer: takes every job waiting, runs them in one transaction, commits the group and
/// hands its answers to `answer` (the durability thread, or straight back for a scratch
/// store). Group commit keeps a durable capture's cost near one fsync shared by all
/// concurrent ones.
fn writer_loop(
    mut conn: Connection,
    jobs: &std::sync::mpsc::Receiver<Job>,
    meter: &CapacityMeter,
    answer: &(dyn Fn(Answers) + Send),
) {
    while let Ok(first) = jobs.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let works: Vec<&Work> = group.iter().map(|j| &j.work).collect();
        let results = run_group(&mut conn, &works, meter);
        answer(group.into_iter().map(|j| j.reply).zip(results).collect());
    }
}

/// The durability thread: flushes the WAL once for every group committed since its last
/// flush, then answers their writes. Failed writes (a condition that did not hold) wait too:
/// the item that failed them may belong to a group still being flushed, and an answer such
/// as "duplicate of lead X" must not name a lead a power cut could still take back.
fn sync_loop(wal: &Path, done: &std::sync::mpsc::Receiver<Answers>) {
    let mut file: Option<std::fs::File> = None;
    while let Ok(mut answers) = done.recv() {
        while let Ok(more) = done.try_recv() {
            answers.extend(more);
        }
        let synced = match &file {
            Some(f) => f.sync_data(),
            None => std::fs::File::open(wal).and_then(|f| {
                let r = f.sync_data();
                file = Some(f);
                r
            }),
        };
        match synced {
            Ok(()) => send_answers(answers),
            Err(e) => {
                // The writes are committed but maybe not on disk: say so rather than claim
                // them durable (a retried capture then finds its lead as a duplicate).
                tracing::error!(error = %e, wal = %wal.display(), "WAL flush failed");
                for (reply, result) in answers {
                    let _ = reply.send(result.and_then(|_| Err(backend(&e))));
                }
            }
        }
    }
}

fn control(conn: &Connection, sql: &str) -> Result<usize, StoreError> {
    // Transaction control through cached statements: parsed once, not once per group.
    conn.prepare_cached(sql)
        .and_then(|mut stmt| stmt.execute([]))
        .map_err(backend)
}

/// Runs a group in one transaction. A job that fails a condition (or is invalid) fails
/// before it writes anything (`run_job` checks everything first), so it needs no savepoint
/// and the group's other writes stand. A backend error may strike mid-job: then the whole
/// group is rolled back and each job runs again in a transaction of its own.
fn run_group(
    conn: &mut Connection,
    group: &[&Work],
    meter: &CapacityMeter,
) -> Vec<Result<usize, StoreError>> {
    if let Err(e) = control(conn, "BEGIN IMMEDIATE") {
        return group.iter().map(|_| Err(backend(&e))).collect();
    }
    let mut results = Vec::with_capacity(group.len());
    for work in group {
        match run_job(conn, work, meter) {
            Err(StoreError::Backend(e)) if group.len() > 1 => {
                tracing::warn!(error = %e, jobs = group.len(), "group failed; running its jobs one by one");
                let _ = control(conn, "ROLLBACK");
                return group
                    .iter()
                    .map(|work| run_group(conn, &[work], meter).remove(0))
                    .collect();
            }
            r => results.push(r),
        }
    }
    let failed_mid_job = results
        .iter()
        .any(|r| matches!(r, Err(StoreError::Backend(_))));
    let end = if failed_mid_job { "ROLLBACK" } else { "COMMIT" };
    match control(conn, end) {
        Ok(_) => results,
        Err(e) => {
            let _ = control(conn, "ROLLBACK");
            group.iter().map(|_| Err(backend(&e))).collect()
        }
    }
}

/// Runs one job. Everything that can refuse it (a condition, an invalid image, a corrupt
/// item) is decided before its first write, so a refused job has written nothing.
fn run_job(conn: &Connection, work: &Work, meter: &CapacityMeter) -> Result<usize, StoreError> {
    match work {
        Work::Write(w) => {
            let key = w
                .key()
                .ok_or_else(|| StoreError::Invalid("item needs string PK and SK".into()))?;
            let current = load(conn, &key)?;
            let outcome = plan(w, current.as_ref())?;
            apply(conn, &key, current.as_ref(), outcome, meter, false)?;
            Ok(1)
        }
        Work::Transact(writes) => {
            // Check every condition first (DynamoDB cancels the whole transaction and reports
            // the failed item), then apply; each item is read once (a transaction touches an
            // item at most once, so the images stay current).
            let mut planned = Vec::with_capacity(writes.len());
            for w in writes {
                let key = w
                    .key()
                    .ok_or_else(|| StoreError::Invalid("missing key".into()))?;
                let current = load(conn, &key)?;
                let outcome = plan(w, current.as_ref())?;
                planned.push((key, current, outcome));
            }
            for (key, current, outcome) in planned {
                apply(conn, &key, current.as_ref(), outcome, meter, true)?;
            }
            Ok(writes.len())
        }
        Work::Purge(now) => conn
            .execute(
                "DELETE FROM items WHERE expires_at IS NOT NULL AND expires_at <= ?1",
                [now],
            )
            .map_err(backend),
        Work::ForgetChanges(seq) => conn
            .execute("DELETE FROM changes WHERE seq <= ?1", [seq])
            .map_err(backend),
    }
}

/// Logs a change the stream consumer wants (`crate::store::stream::wanted`) in the same
/// transaction as the change itself, as DynamoDB Streams records every write.
fn log_change(
    conn: &Connection,
    key: &Key,
    old: Option<&Item>,
    new: Option<&Item>,
) -> Result<(), StoreError> {
    if !crate::store::stream::wanted(key, old, new) {
        return Ok(());
    }
    let text = |i: Option<&Item>| i.map(|i| Value::Object(i.clone()).to_string());
    conn.prepare_cached("INSERT INTO changes (pk, sk, old, new) VALUES (?1, ?2, ?3, ?4)")
        .and_then(|mut stmt| stmt.execute((&key.pk, &key.sk, text(old), text(new))))
        .map_err(backend)?;
    Ok(())
}

fn load(conn: &Connection, key: &Key) -> Result<Option<Item>, StoreError> {
    let text: Option<String> = conn
        .prepare_cached("SELECT item FROM items WHERE pk = ?1 AND sk = ?2")
        .and_then(|mut stmt| {
            stmt.query_row([&key.pk, &key.sk], |row| row.get(0))
                .optional()
        })
        .map_err(backend)?;
    text.map(|t| parse(&t)).transpose()
}

fn parse(text: &str) -> Result<Item, StoreError> {
    match serde_json::from_str(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) | Err(_) => Err(StoreError::Corrupt("stored item is not a JSON map".into())),
    }
}

fn validate_key_attrs(item: &Item) -> Result<Key, StoreError> {
    let key =
        Key::of(item).ok_or_else(|| StoreError::Invalid("item needs string PK and SK".into()))?;
    if key.pk.is_empty() || key.sk.is_empty() {
        return Err(StoreError::Invalid("PK and SK must not be empty".into()));
    }
    for n in 1..=table::GSI_COUNT {
        for attr in [table::gsi_pk(n), table::gsi_sk(n)] {
            match item.get(&attr) {
                None | Some(Value::String(_)) => {}
                Some(_) => return Err(StoreError::Invalid(format!("{attr} must be a string"))),
            }
        }
    }
    Ok(key)
}

/// The upsert of an item and its index columns, written once for `GSI_COUNT` indexes.
fn upsert_sql() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| {
        let mut names = vec![
            "pk".to_owned(),
            "sk".into(),
            "item".into(),
            "expires_at".into(),
        ];
        for n in 1..=table::GSI_COUNT {
            names.push(format!("gsi{n}pk"));
            names.push(format!("gsi{n}sk"));
        }
        let placeholders = (1..=names.len())
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>();
        format!(
            "INSERT OR REPLACE INTO items ({}) VALUES ({})",
            names.join(", "),
            placeholders.join(", ")
        )
    })
}

/// Stores an image `plan` validated (string PK and SK equal to `key`, string GSI keys).
fn store_item(conn: &Connection, key: &Key, item: &Item) -> Result<(), StoreError> {
    use rusqlite::types::{ToSqlOutput, ValueRef};
    let text = serde_json::to_string(item).map_err(backend)?;
    let expires = item
        .get(crate::ports::store::EXPIRES_AT)
        .and_then(Value::as_i64);
    fn text_value(s: &str) -> ToSqlOutput<'_> {
        ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes()))
    }
    let mut values: Vec<ToSqlOutput<'_>> =
        Vec::with_capacity(4 + 2 * usize::from(table::GSI_COUNT));
    values.push(text_value(&key.pk));
    values.push(text_value(&key.sk));
    values.push(text_value(&text));
    values.push(match expires {
        Some(t) => ToSqlOutput::Owned(t.into()),
        None => ToSqlOutput::Borrowed(ValueRef::Null),
    });
    for n in 1..=table::GSI_COUNT {
        // A GSI holds the item only when both of its key attributes are present.
        let attr = |name: String| item.get(&name).and_then(Value::as_str);
        match (attr(table::gsi_pk(n)), attr(table::gsi_sk(n))) {
            (Some(p), Some(s)) => {
                values.push(text_value(p));
                values.push(text_value(s));
            }
            _ => {
                values.push(ToSqlOutput::Borrowed(ValueRef::Null));
                values.push(ToSqlOutput::Borrowed(ValueRef::Null));
            }
        }
    }
    conn.prepare_cached(upsert_sql())
        .and_then(|mut stmt| stmt.execute(params_from_iter(values)))
        .map_err(backend)?;
    Ok(())
}

fn delete_item(conn: &Connection, key: &Key) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM items WHERE pk = ?1 AND sk = ?2")
        .and_then(|mut stmt| stmt.execute([&key.pk, &key.sk]))
        .map_err(backend)?;
    Ok(())
}

/// The image after a write, or `None` for a delete / condition check.
enum Outcome {
    Store(Item),
    Delete,
    Nothing,
}

fn plan(write: &Write, current: Option<&Item>) -> Result<Outcome, StoreError> {
    if let Some(check) = write.check() {
        if !evaluate(&check.cond, current) {
            return Err(StoreError::ConditionFailed(check.name));
        }
    }
    Ok(match write {
        Write::Put { item, .. } => {
            validate_key_attrs(item)?;
            Outcome::Store(item.clone())
        }
        Write::Update { key, update, .. } => {
            let mut image = current.cloned().unwrap_or_else(|| {
                let mut fresh = Item::new();
                fresh.insert(PK.into(), key.pk.clone().into());
                fresh.insert(SK.into(), key.sk.clone().into());
                fresh
            });
            for attr in update.set.iter().map(|(k, _)| k).chain(&update.remove) {
                if attr == PK || attr == SK {
                    return Err(StoreError::Invalid(
                        "an update cannot change the key".into(),
                    ));
                }
            }
            update.apply(&mut image);
            validate_key_attrs(&image)?;
            Outcome::Store(image)
        }
        Write::Delete { .. } => Outcome::Delete,
        Write::ConditionCheck { .. } => Outcome::Nothing,
    })
}

/// Writes a planned outcome (conditions and images already checked by `plan`).
fn apply(
    conn: &Connection,
    key: &Key,
    current: Option<&Item>,
    outcome: Outcome,
    meter: &CapacityMeter,
    transactional: bool,
) -> Result<(), StoreError> {
    match outcome {
        Outcome::Store(image) => {
            store_item(conn, key, &image)?;
            log_change(conn, key, current, Some(&image))?;
            meter.record_write(current, Some(&image), transactional);
        }
        Outcome::Delete => {
            delete_item(conn, key)?;
            log_change(conn, key, current, None)?;
            meter.record_write(current, None, transactional);
        }
        Outcome::Nothing => meter.record_condition_check(current),
    }
    Ok(())
}

#[async_trait]
impl Store for SqliteStore {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        let key = key.clone();
        self.with_reader(move |conn, meter| {
            let item = load(conn, &key)?;
            meter.record_read(item.as_ref().map(item_size).unwrap_or(1), ReadKind::Strong);
            Ok(item)
        })
        .await
    }

    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Item>, StoreError> {
        let keys = keys.to_vec();
        self.with_reader(move |conn, meter| {
            let mut out = Vec::with_capacity(keys.len());
            for key in &keys {
                let item = load(conn, key)?;
                meter.record_read(item.as_ref().map(item_size).unwrap_or(1), ReadKind::Strong);
                out.extend(item);
            }
            Ok(out)
        })
        .await
    }

    async fn write(&self, write: Write) -> Result<(), StoreError> {
        self.submit(Work::Write(write)).await.map(|_| ())
    }

    async fn transact(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        validate_transaction(&writes)?;
        self.submit(Work::Transact(writes)).await.map(|_| ())
    }

    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        let query = query.clone();
        self.with_reader(move |conn, meter| run_query(conn, &query, meter))
            .await
    }

    fn meter(&self) -> &CapacityMeter {
        &self.inner.meter
    }
}

fn run_query(conn: &Connection, q: &Query, meter: &CapacityMeter) -> Result<Page, StoreError> {
    let (pk_col, sk_col) = match q.index {
        Index::Primary => ("pk".to_owned(), "sk".to_owned()),
        Index::Gsi(n) if (1..=table::GSI_COUNT).contains(&n) => {
            (format!("gsi{n}pk"), format!("gsi{n}sk"))
        }
        Index::Gsi(n) => return Err(StoreError::Invalid(format!("no index GSI{n}"))),
    };
    let mut sql = format!("SELECT item FROM items WHERE {pk_col} = ?1");
    if let Index::Gsi(_) = q.index {
        // The index is partial (items with both key attributes); SQLite uses it only when the
        // query implies its condition, and `pk = ?` alone does not say the sort key is set.
        sql.push_str(&format!(" AND {sk_col} IS NOT NULL"));
    }
    let mut args: Vec<String> = vec![q.pk.clone()];
    let mut arg = |sql: &mut String, clause: &str, value: &str| {
        args.push(value.to_owned());
        sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
    };
    match &q.sk {
        SkCond::All => {}
        SkCond::Eq(v) => arg(&mut sql, &format!(" AND {sk_col} = ?"), v),
        SkCond::Lt(v) => arg(&mut sql, &format!(" AND {sk_col} < ?"), v),
        SkCond::Le(v) => arg(&mut sql, &format!(" AND {sk_col} <= ?"), v),
        SkCond::Gt(v) => arg(&mut sql, &format!(" AND {sk_col} > ?"), v),
        SkCond::Ge(v) => arg(&mut sql, &format!(" AND {sk_col} >= ?"), v),
        SkCond::Between(lo, hi) => {
            arg(&mut sql, &format!(" AND {sk_col} >= ?"), lo);
            arg(&mut sql, &format!(" AND {sk_col} <= ?"), hi);
        }
        SkCond::BeginsWith(p) => {
            // Byte-order range [p, p + U+10FFFF): every string with prefix p, and no other.
            arg(&mut sql, &format!(" AND {sk_col} >= ?"), p);
            arg(
                &mut sql,
                &format!(" AND {sk_col} < ?"),
                &format!("{p}\u{10FFFF}"),
            );
        }
    }
    let op = if q.descending { "<" } else { ">" };
    if let Some(cursor) = &q.cursor {
        if !cursor.belongs_to(&q.pk, q.index) {
            return Err(StoreError::Invalid(
                "cursor does not belong to this query".into(),
            ));
        }
        match q.index {
            Index::Primary => arg(&mut sql, &format!(" AND sk {op} ?"), &cursor.sk),
            Index::Gsi(_) => {
                let isk = cursor.isk.clone().unwrap_or_default();
                args.push(isk);
                args.push(cursor.pk.clone());
                args.push(cursor.sk.clone());
                let n = args.len();
                sql.push_str(&format!(
                    " AND ({sk_col}, pk, sk) {op} (?{}, ?{}, ?{})",
                    n - 2,
                    n - 1,
                    n
                ));
            }
        }
    }
    let dir = if q.descending { "DESC" } else { "ASC" };
    match q.index {
        Index::Primary => sql.push_str(&format!(" ORDER BY sk {dir}")),
        Index::Gsi(_) => sql.push_str(&format!(" ORDER BY {sk_col} {dir}, pk {dir}, sk {dir}")),
    }
    sql.push_str(&format!(" LIMIT {}", q.limit.max(1)));

    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    let rows = stmt
        .query_map(params_from_iter(args.iter()), |row| row.get::<_, String>(0))
        .map_err(backend)?;
    let mut evaluated = Vec::new();
    for row in rows {
        evaluated.push(parse(&row.map_err(backend)?)?);
    }
    let bytes: usize = evaluated.iter().map(item_size).sum();
    let kind = match q.index {
        Index::Primary => ReadKind::Strong,
        Index::Gsi(_) => ReadKind::Eventual,
    };
    meter.record_read(bytes, kind);
    let next = if evaluated.len() as u32 >= q.limit {
        evaluated.last().and_then(|i| Cursor::at(i, q.index))
    } else {
        None
    };
    let items = match &q.filter {
        Some(f) => evaluated
            .into_iter()
            .filter(|i| evaluate(f, Some(i)))
            .collect(),
        None => evaluated,
    };
    Ok(Page { items, next })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::store::{Check, Cond};

    fn item(pk: &str, who: usize) -> Item {
        let mut i = Item::new();
        i.insert(PK.into(), pk.into());
        i.insert(SK.into(), "U".into());
        i.insert("who".into(), who.into());
        i
    }

    /// Writes committed in one group stay independent: a failed condition undoes only its
    /// own write, and everything acknowledged survives reopening the file.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn group_commit_isolates_failures_and_keeps_acknowledged_writes() {
        let path = std::env::temp_dir().join(format!("crm-group-{}.sqlite3", ulid::Ulid::new()));
        let store = SqliteStore::open(&path).unwrap_or_else(|e| panic!("{e}"));
        let mut tasks = Vec::new();
        for who in 0..60 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let put = Write::put(item(&format!("claim#{}", who % 12), who))
                    .with_check(Check::new("claim", Cond::NotExists));
                (who, store.write(put).await)
            }));
        }
        let mut winners = Vec::new();
        for t in tasks {
            match t.await.unwrap_or_else(|e| panic!("{e}")) {
                (who, Ok(())) => winners.push(who),
                (_, Err(StoreError::ConditionFailed("claim"))) => {}
                (_, Err(e)) => panic!("unexpected {e}"),
            }
        }
        assert_eq!(winners.len(), 12, "one winner per key");
        drop(store);
        let reopened = SqliteStore::open(&path).unwrap_or_else(|e| panic!("{e}"));
        for who in winners {
            let key = Key::new(format!("claim#{}", who % 12), "U");
            let got = reopened.get(&key).await.unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                got.and_then(|i| i.get("who").and_then(Value::as_u64)),
                Some(who as u64)
            );
        }
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }

    /// Without savepoints, a job must be refused before it writes: a transaction whose second
    /// write is invalid (a GSI key that is not a string) leaves its first write out, while
    /// the jobs committed in the same group stand.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_refused_transaction_writes_nothing_while_its_group_commits() {
        use crate::ports::store::Update;
        let store = SqliteStore::in_memory().unwrap_or_else(|e| panic!("{e}"));
        let mut tasks = Vec::new();
        for who in 0..40 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let first = Write::put(item(&format!("first#{who}"), who));
                let result = if who % 2 == 0 {
                    store.write(first).await
                } else {
                    let bad = Write::Update {
                        key: Key::new(format!("second#{who}"), "U"),
                        update: Update::default().set(table::gsi_pk(1), 5),
                        check: None,
                    };
                    store.transact(vec![first, bad]).await
                };
                (who, result)
            }));
        }
        for t in tasks {
            let (who, result) = t.await.unwrap_or_else(|e| panic!("{e}"));
            let stored = store
                .get(&Key::new(format!("first#{who}"), "U"))
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            if who % 2 == 0 {
                assert!(result.is_ok(), "{who}: {result:?}");
                assert!(stored.is_some(), "{who}'s write was lost");
            } else {
                assert!(
                    matches!(result, Err(StoreError::Invalid(_))),
                    "{who}: {result:?}"
                );
                assert!(
                    stored.is_none(),
                    "{who}'s refused transaction left its first write"
                );
            }
        }
    }
}
