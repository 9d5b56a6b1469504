//! Importing a client list (issue 19): what the preview route and the imports worker share.
//! The file is read again from the file store each time (it is kept whole, once), its rows
//! read under the import's mapping, duplicates within the file found, and each row planned
//! (`store::customers::plan_row`) and, by the worker, applied a chunk at a time with a
//! checkpoint after each chunk.

use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt, TryStreamExt};

use crm_shared::domain::customer::Customer;
use crm_shared::domain::tenant::TenantSettings;
use crm_shared::domain::validation::FieldError;
use crm_shared::import::file::{self, Sheet};
use crm_shared::import::job::{sheet_row, Import, ImportStatus, RefusedRow, RowOutcome};
use crm_shared::import::mapping;
use crm_shared::import::row::{self, earlier_duplicates, ImportedClient};
use crm_shared::ports::files::FileStoreError;
use crm_shared::ports::queue::{QueueError, QueueName};
use crm_shared::ports::store::StoreError;
use crm_shared::store::customers::{self, Applied, CustomerWriteError};
use crm_shared::store::imports::{self, ImportWriteError};
use crm_shared::store::keys;
use serde::{Deserialize, Serialize};

use crate::context::Ctx;

/// Rows between checkpoints.
pub const CHUNK: usize = 250;
/// Rows of a chunk applied at once: their store round trips overlap (DynamoDB's latency, the
/// local store's group commit: one flush for many rows' transactions).
pub const ROWS_AT_ONCE: usize = 16;
/// Rows the preview shows.
pub const PREVIEW_ROWS: usize = 20;
/// How long one run goes before handing the rest to a new message (the worker's timeout in
/// the template is 300 s: a run stops well before it, at a checkpoint).
pub const RUN_BUDGET: Duration = Duration::from_secs(240);

/// The imports queue's message: run (or resume) this import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportTask {
    pub tenant_id: String,
    pub import_id: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file cannot be read (any more): the import fails with this reason.
    #[error("{0}")]
    Unreadable(String),
    #[error(transparent)]
    Files(#[from] FileStoreError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Write(#[from] CustomerWriteError),
    #[error(transparent)]
    Import(#[from] ImportWriteError),
}

/// The file's rows read under the import's mapping, and the earlier row each duplicates.
pub struct Rows {
    pub sheet: Sheet,
    pub read: Vec<Result<ImportedClient, Vec<FieldError>>>,
    pub duplicate_of: Vec<Option<usize>>,
}

/// Reads the import's file from the file store under its mapping.
pub async fn rows(ctx: &Ctx, import: &Import, region: &str) -> Result<Rows, ImportError> {
    let bytes = ctx
        .files
        .get(&keys::import_file(&import.tenant_id, &import.id))
        .await?
        .ok_or_else(|| ImportError::Unreadable("the uploaded file is gone".into()))?;
    let sheet = file::read(&bytes).map_err(|e| ImportError::Unreadable(e.to_string()))?;
    let read: Vec<_> = sheet
        .rows
        .iter()
        .map(|cells| row::read(&import.mapping, cells, region))
        .collect();
    let duplicate_of = earlier_duplicates(&read);
    Ok(Rows {
        sheet,
        read,
        duplicate_of,
    })
}

/// One row of the preview: the row's number, its client as it would be stored (when it
/// reads), and what would happen to it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PreviewRow {
    /// The row's number in the file (the header is row 1).
    pub row: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub client: Option<ImportedClient>,
    /// The row's cells as uploaded (what a refused row said).
    pub cells: Vec<String>,
    #[serde(flatten)]
    pub outcome: RowOutcome,
}

/// What the first `PREVIEW_ROWS` rows would do under the import's mapping and options.
pub async fn preview(
    ctx: &Ctx,
    import: &Import,
    settings: &TenantSettings,
) -> Result<Vec<PreviewRow>, ImportError> {
    let rows = rows(ctx, import, &settings.default_region).await?;
    let mut out = Vec::new();
    for (index, read) in rows.read.iter().enumerate().take(PREVIEW_ROWS) {
        let outcome = customers::plan_row(
            ctx.store.as_ref(),
            import,
            index,
            read,
            rows.duplicate_of[index],
        )
        .await?;
        out.push(PreviewRow {
            row: sheet_row(index),
            client: read.as_ref().ok().cloned(),
            cells: rows.sheet.rows[index].clone(),
            outcome,
        });
    }
    Ok(out)
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunEnd {
    /// Nothing to do (not started, already ended, cancelled).
    Idle,
    /// Every row done.
    Finished,
    /// Out of time at a checkpoint: the rest is another message's.
    Paused,
}

/// Runs (or resumes, from its checkpoint) the import, until it is done or `budget` is spent.
pub async fn run(ctx: &Ctx, task: &ImportTask, budget: Duration) -> Result<RunEnd, ImportError> {
    let started = Instant::now();
    let store = ctx.store.as_ref();
    let Some(mut import) = imports::get(store, &task.tenant_id, &task.import_id).await? else {
        tracing::warn!(tenant = %task.tenant_id, import_id = %task.import_id, "import not found");
        return Ok(RunEnd::Idle);
    };
    if !matches!(import.status, ImportStatus::Queued | ImportStatus::Running) {
        return Ok(RunEnd::Idle);
    }
    let settings = ctx
        .tenant_settings(&task.tenant_id)
        .await
        .map_err(|e| ImportError::Unreadable(format!("the business's settings: {e}")))?;
    if let Err(errors) = mapping::check(&import.mapping) {
        let reason = errors
            .iter()
            .map(|e| format!("{} {}", e.field, e.reason))
            .collect::<Vec<_>>()
            .join("; ");
        return fail(ctx, import, reason).await;
    }
    let rows = match rows(ctx, &import, &settings.default_region).await {
        Ok(rows) => rows,
        Err(ImportError::Unreadable(reason)) => return fail(ctx, import, reason).await,
        Err(e) => return Err(e),
    };
    if import.status == ImportStatus::Queued {
        let before = import.version;
        import.status = ImportStatus::Running;
        import.started_at = Some(ctx.clock.now());
        import.updated_at = ctx.clock.now();
        if !checkpoint(ctx, before, &mut import).await? {
            return Ok(RunEnd::Idle);
        }
    }
    let total = rows.read.len();
    let mut next = usize::try_from(import.next_row)
        .unwrap_or(usize::MAX)
        .min(total);
    while next < total {
        if started.elapsed() >= budget {
            tracing::info!(tenant = %import.tenant_id, import_id = %import.id, next_row = next, "import paused at a checkpoint");
            return Ok(RunEnd::Paused);
        }
        let end = (next + CHUNK).min(total);
        let mut counts = import.counts;
        let mut refused = Vec::new();
        let applied: Vec<Applied> = stream::iter(next..end)
            .map(|index| apply(ctx, &settings, &import, &rows, index))
            .buffered(ROWS_AT_ONCE)
            .try_collect()
            .await?;
        // Possible duplicates once the whole chunk is written: rows made together find each
        // other (a pair is recorded once, whichever side finds it).
        let made: Vec<&Customer> = applied.iter().filter_map(|a| a.made.as_ref()).collect();
        stream::iter(made)
            .for_each_concurrent(ROWS_AT_ONCE, |c| {
                customers::check_new(store, &import.tenant_id, c, ctx.clock.now())
            })
            .await;
        for (index, Applied { outcome, .. }) in (next..end).zip(applied) {
            if let RowOutcome::Refuse { errors } = &outcome {
                refused.push(RefusedRow {
                    row: sheet_row(index),
                    reasons: errors
                        .iter()
                        .map(|e| format!("{}: {}", e.field, e.reason))
                        .collect(),
                    cells: rows.sheet.rows[index].clone(),
                });
            }
            counts.add(&outcome);
        }
        imports::put_refused(
            store,
            &import.tenant_id,
            &import.id,
            &refused,
            ctx.clock.now(),
        )
        .await?;
        let before = import.version;
        import.set_counts(counts);
        import.next_row = end as u64;
        import.updated_at = ctx.clock.now();
        if end == total {
            import.status = ImportStatus::Done;
            import.finished_at = Some(ctx.clock.now());
        }
        if !checkpoint(ctx, before, &mut import).await? {
            return Ok(RunEnd::Idle);
        }
        next = end;
    }
    if import.status != ImportStatus::Done {
        let before = import.version;
        import.status = ImportStatus::Done;
        import.finished_at = Some(ctx.clock.now());
        checkpoint(ctx, before, &mut import).await?;
    }
    discard_file(ctx, &import).await;
    tracing::info!(tenant = %import.tenant_id, import_id = %import.id, created = import.counts.created,
        updated = import.counts.updated, skipped = import.counts.skipped, refused = import.counts.refused, "import done");
    Ok(RunEnd::Finished)
}

/// Plans and applies row `index` of the file.
async fn apply(
    ctx: &Ctx,
    settings: &TenantSettings,
    import: &Import,
    rows: &Rows,
    index: usize,
) -> Result<Applied, ImportError> {
    let store = ctx.store.as_ref();
    let read = &rows.read[index];
    let planned = customers::plan_row(store, import, index, read, rows.duplicate_of[index]).await?;
    Ok(match read {
        Ok(client) => {
            customers::apply_row(
                store,
                settings,
                import,
                index,
                client,
                planned,
                ctx.clock.now(),
            )
            .await?
        }
        Err(_) => planned.into(),
    })
}

/// Saves the import's progress. `false` when it was cancelled meanwhile: the cancelled
/// record then gets the counts (what was done stays done) and the run stops.
async fn checkpoint(ctx: &Ctx, before: u64, import: &mut Import) -> Result<bool, ImportError> {
    match imports::save(ctx.store.as_ref(), before, import).await {
        Ok(()) => Ok(true),
        Err(ImportWriteError::Changed { current }) => {
            let mut current = *current;
            if current.status == ImportStatus::Cancelled {
                let at = current.version;
                current.set_counts(import.counts);
                current.next_row = import.next_row;
                imports::save(ctx.store.as_ref(), at, &mut current).await?;
                tracing::info!(tenant = %import.tenant_id, import_id = %import.id, "import cancelled");
                discard_file(ctx, &current).await;
                Ok(false)
            } else {
                Err(ImportError::Store(StoreError::Conflict))
            }
        }
        Err(e) => Err(e.into()),
    }
}

async fn fail(ctx: &Ctx, mut import: Import, reason: String) -> Result<RunEnd, ImportError> {
    tracing::warn!(tenant = %import.tenant_id, import_id = %import.id, %reason, "import failed");
    let before = import.version;
    import.status = ImportStatus::Failed;
    import.error = Some(reason);
    import.finished_at = Some(ctx.clock.now());
    import.updated_at = ctx.clock.now();
    checkpoint(ctx, before, &mut import).await?;
    discard_file(ctx, &import).await;
    Ok(RunEnd::Idle)
}

/// Deletes the uploaded file of an import that has ended (done, failed, cancelled): its rows
/// are customers now, or refused rows kept for the report. A failure is logged (the cloud
/// bucket expires files after 30 days anyway).
pub async fn discard_file(ctx: &Ctx, import: &Import) {
    let key = keys::import_file(&import.tenant_id, &import.id);
    if let Err(e) = ctx.files.delete(&key).await {
        tracing::warn!(tenant = %import.tenant_id, import_id = %import.id, error = %e, "uploaded file not deleted");
    }
}

/// Queues a run (or the rest of a run) of the import.
pub async fn enqueue(ctx: &Ctx, task: &ImportTask) -> Result<(), QueueError> {
    let body = serde_json::to_string(task).map_err(|e| QueueError::Unavailable(e.to_string()))?;
    ctx.queue
        .send(QueueName::Imports, &body, 0)
        .await
        .map(|_| ())
}

impl From<ImportError> for crm_shared::http::problem::ApiError {
    fn from(e: ImportError) -> Self {
        use crm_shared::http::problem::ApiError;
        match e {
            ImportError::Unreadable(reason) => ApiError::field("file", reason),
            ImportError::Files(e) => e.into(),
            ImportError::Store(e) => e.into(),
            ImportError::Write(e) => e.into(),
            ImportError::Import(e) => e.into(),
        }
    }
}
