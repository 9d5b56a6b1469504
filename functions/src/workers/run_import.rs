//! `run_import`: the imports queue's consumer (DESIGN §5). Each message names an import to
//! run or resume from its checkpoint. A run that spends its budget stops at a checkpoint and
//! queues the rest as a new message; a run killed mid-chunk (timeout, crash) leaves its
//! message to come back, and the redone chunk finds the customers it made (their ids derive
//! from the import and the row), so no row is imported twice.

use crm_shared::ports::queue::{settle, BatchOutcome, Disposition, QueueName, Received};

use crate::context::Ctx;
use crate::usecases::importing::{self, enqueue, ImportError, ImportTask, RunEnd, RUN_BUDGET};

/// One batch (the template gives this consumer batches of one: a run is long).
pub async fn consume(ctx: &Ctx, batch: Vec<Received>) -> BatchOutcome {
    let mut outcome = BatchOutcome::default();
    for message in batch {
        let disposition = process(ctx, &message).await;
        if settle(
            ctx.queue.as_ref(),
            QueueName::Imports,
            &message,
            disposition,
        )
        .await
        {
            outcome.failed.push(message.message_id);
        }
    }
    outcome
}

async fn process(ctx: &Ctx, received: &Received) -> Disposition {
    let task: ImportTask = match serde_json::from_str(&received.body) {
        Ok(task) => task,
        Err(e) => return Disposition::Dead(format!("not an import task: {e}")),
    };
    match importing::run(ctx, &task, RUN_BUDGET).await {
        Ok(RunEnd::Paused) => match enqueue(ctx, &task).await {
            Ok(()) => Disposition::Done,
            Err(e) => Disposition::Retry(e.to_string()),
        },
        Ok(RunEnd::Finished | RunEnd::Idle) => Disposition::Done,
        Err(e @ ImportError::Unreadable(_)) => Disposition::Dead(e.to_string()),
        Err(e) => {
            tracing::warn!(tenant = %task.tenant_id, import_id = %task.import_id, error = %e,
                "import run failed; it resumes from its checkpoint when the message comes back");
            Disposition::Retry(e.to_string())
        }
    }
}
