//! The queue port (DESIGN §5): work handed to a consumer that must not be lost.
//!
//! Semantics, the same on both adapters (SQS, and the SQLite-backed local queue):
//! - at least once: a received message is invisible for the visibility timeout and comes back
//!   unless it is deleted; every receive counts;
//! - a message received more than [`MAX_RECEIVES`] times moves to the queue's dead-letter
//!   queue (SQS: the redrive policy) instead of being delivered again;
//! - a consumer that knows a message can never succeed moves it to the dead-letter queue
//!   itself, with the reason ([`Queue::dead_letter`]);
//! - a delay holds a new message back for at most [`MAX_DELAY_SECS`] (SQS's limit); work due
//!   later carries its own `not_before` and is deferred again by the consumer.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// Receives after which a message goes to the dead-letter queue (the template's
/// `maxReceiveCount`).
pub const MAX_RECEIVES: u32 = 5;
/// Longest delay a message can be sent with (SQS `DelaySeconds`).
pub const MAX_DELAY_SECS: u32 = 900;
/// Most messages one receive returns (SQS).
pub const MAX_BATCH: u32 = 10;

/// The product's queues; each has a dead-letter queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueName {
    /// Outgoing text messages (`workers::send_sms`).
    Sms,
    /// Meta Conversions API events (`workers::send_conversions`).
    Conversions,
    /// Imports to run or resume (`workers::run_import`).
    Imports,
}

impl QueueName {
    pub const ALL: [QueueName; 3] = [QueueName::Sms, QueueName::Conversions, QueueName::Imports];

    pub fn as_str(self) -> &'static str {
        match self {
            QueueName::Sms => "sms",
            QueueName::Conversions => "conversions",
            QueueName::Imports => "imports",
        }
    }
}

/// A message as a consumer gets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The queue's id of the message (stable across redeliveries).
    pub message_id: String,
    /// The handle of this receive: deleting or releasing the message needs it.
    pub receipt: String,
    pub body: String,
    /// How many times it has been received, this time included.
    pub receive_count: u32,
}

/// A message in a dead-letter queue, with why it is there when the consumer said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    pub body: String,
    pub reason: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("queue {0} is not configured")]
    NotConfigured(&'static str),
    #[error("queue unavailable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait Queue: Send + Sync {
    /// Sends a message, delivered after `delay_secs` (capped at [`MAX_DELAY_SECS`]). Returns
    /// the queue's message id.
    async fn send(
        &self,
        queue: QueueName,
        body: &str,
        delay_secs: u32,
    ) -> Result<String, QueueError>;

    /// Moves a message the consumer cannot ever process to the dead-letter queue with the
    /// reason (the caller then deletes the original).
    async fn dead_letter(
        &self,
        queue: QueueName,
        body: &str,
        reason: &str,
    ) -> Result<(), QueueError>;

    /// Up to `max` visible messages, each hidden for `visibility_secs` (Lambda's event source
    /// mapping does this in AWS; the local runner and tests call it).
    async fn receive(
        &self,
        queue: QueueName,
        max: u32,
        visibility_secs: u32,
    ) -> Result<Vec<Received>, QueueError>;

    /// Deletes a processed message.
    async fn delete(&self, queue: QueueName, receipt: &str) -> Result<(), QueueError>;

    /// Makes a failed message visible again after `delay_secs`.
    async fn release(
        &self,
        queue: QueueName,
        receipt: &str,
        delay_secs: u32,
    ) -> Result<(), QueueError>;

    /// Up to `max` messages of the queue's dead-letter queue, left in place (operators and
    /// tests read them).
    async fn dead_letters(&self, queue: QueueName, max: u32)
        -> Result<Vec<DeadLetter>, QueueError>;
}

/// A batch's outcome as a consumer reports it (SQS `ReportBatchItemFailures`): the ids of
/// the messages that failed and must come back; every other message is done.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    pub failed: Vec<String>,
}

/// What a consumer decides for one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    /// Done (sent, or nothing to do): delete it.
    Done,
    /// Try again later (a provider failed for now).
    Retry(String),
    /// Never processable (malformed, or the provider refused it for good): to the
    /// dead-letter queue with this reason.
    Dead(String),
}

/// Settles one message's disposition: a dead one goes to the DLQ with its reason (then it is
/// done); a retry on the last allowed receive goes there too, with the last failure as the
/// reason, so the DLQ always says why. Returns whether the message failed (must come back).
pub async fn settle(
    queue: &dyn Queue,
    name: QueueName,
    message: &Received,
    disposition: Disposition,
) -> bool {
    let reason = match disposition {
        Disposition::Done => return false,
        Disposition::Retry(reason) if message.receive_count < MAX_RECEIVES => {
            tracing::warn!(queue = name.as_str(), message_id = %message.message_id,
                receive_count = message.receive_count, %reason, "message will be retried");
            return true;
        }
        Disposition::Retry(reason) => format!("gave up after {MAX_RECEIVES} attempts: {reason}"),
        Disposition::Dead(reason) => reason,
    };
    tracing::error!(queue = name.as_str(), message_id = %message.message_id, %reason,
        "message moved to the dead-letter queue");
    match queue.dead_letter(name, &message.body, &reason).await {
        Ok(()) => false,
        // Not parked: let it come back (the redrive policy parks it in the end).
        Err(e) => {
            tracing::error!(queue = name.as_str(), error = %e, "dead-lettering failed");
            true
        }
    }
}

/// One pass of a local consumer: receives a batch, hands it to `consume`, deletes what
/// succeeded and releases what failed after `retry_delay_secs`. Returns how many messages
/// it received. (In AWS, Lambda's event source mapping does this.)
pub async fn pump<F, Fut>(
    queue: &dyn Queue,
    name: QueueName,
    visibility_secs: u32,
    retry_delay_secs: u32,
    consume: F,
) -> Result<usize, QueueError>
where
    F: FnOnce(Vec<Received>) -> Fut,
    Fut: std::future::Future<Output = BatchOutcome>,
{
    let batch = queue.receive(name, MAX_BATCH, visibility_secs).await?;
    let n = batch.len();
    if n == 0 {
        return Ok(0);
    }
    let receipts: Vec<(String, String)> = batch
        .iter()
        .map(|m| (m.message_id.clone(), m.receipt.clone()))
        .collect();
    let outcome = consume(batch).await;
    for (id, receipt) in receipts {
        if outcome.failed.contains(&id) {
            queue.release(name, &receipt, retry_delay_secs).await?;
        } else {
            queue.delete(name, &receipt).await?;
        }
    }
    Ok(n)
}
