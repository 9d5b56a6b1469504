//! `send_sms`: the `sms` queue's consumer (DESIGN §2.4, §5). Each task names a recorded
//! message; the consumer sends it through the SMS provider when it is due, outside the
//! tenant's quiet hours, to a number that has not opted out, and records each status on the
//! message and the customer's timeline.
//!
//! - Not yet due, or in quiet hours: queued again to arrive at the due time (in hops of at
//!   most 15 minutes, the queue's longest delay), never dropped.
//! - A country the business does not text or a premium-rate line, opted out, no consent for a
//!   marketing kind, a review already requested within 90 days, over a daily cap (per number,
//!   per business): skipped, with the reason.
//! - Refused by the provider: failed, and the task goes to the dead-letter queue with the
//!   reason. Provider unavailable: retried; after the last attempt, failed and dead-lettered.
//! - Idempotent by the message (its id is the business key): a task for a message that is no
//!   longer `queued` does nothing, and a version-guarded claim before sending lets only one of
//!   two concurrent tasks for a message send it.

use chrono::{DateTime, Utc};
use crm_shared::domain::hours;
use crm_shared::domain::message::{review_allowed, Message, MessageKind, MessageStatus};
use crm_shared::domain::tenant::TenantSettings;
use crm_shared::ports::queue::{
    settle, BatchOutcome, Disposition, QueueName, Received, MAX_RECEIVES,
};
use crm_shared::ports::sms::{Sms, SmsError};
use crm_shared::ports::store::StoreError;
use crm_shared::store::limits::{self, TextAdmission};
use crm_shared::store::messages;
use crm_shared::store::senders;
use crm_shared::store::{calls, customers};

use crate::context::Ctx;
use crate::usecases::messaging::{schedule, SmsTask};

/// How long a sender's claim on a message holds: longer than one sending run (the function's
/// 30-second timeout), so a task that reads the message mid-send leaves it; short enough
/// that a task retried after a run that died unrecorded finds it stale (the cloud retries
/// after the queue's 180-second visibility). A transient failure releases it at once.
const CLAIM_FOR_SECS: i64 = 60;

/// One batch: every message settled, the failures reported for redelivery.
pub async fn consume(ctx: &Ctx, batch: Vec<Received>) -> BatchOutcome {
    let mut outcome = BatchOutcome::default();
    for message in batch {
        let disposition = process(ctx, &message).await;
        if settle(ctx.queue.as_ref(), QueueName::Sms, &message, disposition).await {
            outcome.failed.push(message.message_id);
        }
    }
    outcome
}

async fn process(ctx: &Ctx, received: &Received) -> Disposition {
    let task: SmsTask = match serde_json::from_str(&received.body) {
        Ok(task) => task,
        Err(e) => return Disposition::Dead(format!("not an sms task: {e}")),
    };
    match deliver(ctx, &task, received.receive_count).await {
        Ok(disposition) => disposition,
        Err(e) => Disposition::Retry(e.to_string()),
    }
}

/// Why a due message must not go out, if it must not.
async fn skip_reason(
    ctx: &Ctx,
    settings: &TenantSettings,
    message: &Message,
    now: DateTime<Utc>,
) -> Result<Option<String>, StoreError> {
    let store = ctx.store.as_ref();
    if let Some(refused) = settings.sms_destination_refusal(&message.to) {
        return Ok(Some(refused));
    }
    if messages::is_opted_out(store, &message.tenant_id, &message.to).await? {
        return Ok(Some("the number opted out (STOP)".into()));
    }
    let customer = match &message.customer_id {
        Some(id) => customers::get(store, &message.tenant_id, id).await?,
        None => None,
    };
    if message.kind.needs_consent() && !customer.as_ref().is_some_and(|c| c.marketing_consent) {
        return Ok(Some("no consent to marketing texts".into()));
    }
    // An automatic recovery text waits its minutes; staff may have handled the call by then.
    // (A text staff sent from the queue goes out even if they mark the call handled at once.)
    if let (MessageKind::MissedCall, Some(call), "system") = (
        message.kind,
        &message.missed_call_id,
        message.created_by.as_str(),
    ) {
        if calls::is_handled(store, &message.tenant_id, call).await? {
            return Ok(Some("the missed call was handled meanwhile".into()));
        }
    }
    if message.kind == MessageKind::ReviewRequest {
        let last = customer.as_ref().and_then(|c| c.review_requested_at);
        if let Err(at) = review_allowed(last, now) {
            return Ok(Some(format!(
                "a review was already requested on {}",
                at.date_naive()
            )));
        }
    }
    Ok(None)
}

async fn finish(
    ctx: &Ctx,
    before: &Message,
    status: MessageStatus,
    reason: Option<String>,
    provider_id: Option<String>,
) -> Result<Message, StoreError> {
    let now = ctx.clock.now();
    let mut after = before.clone();
    after.status = status;
    after.reason = reason;
    if status == MessageStatus::Sent {
        after.provider_id = provider_id;
        after.sent_at = Some(now);
        // A delivery report may have beaten this write: it is folded in.
        return messages::record_sent(ctx.store.as_ref(), before, after, now).await;
    }
    messages::update(ctx.store.as_ref(), before, after, now).await
}

async fn deliver(ctx: &Ctx, task: &SmsTask, receive_count: u32) -> Result<Disposition, StoreError> {
    let store = ctx.store.as_ref();
    let now = ctx.clock.now();
    let Some(message) = messages::get(store, &task.tenant_id, &task.message_id).await? else {
        return Ok(Disposition::Dead(format!(
            "no message {} in tenant {}",
            task.message_id, task.tenant_id
        )));
    };
    if message.status != MessageStatus::Queued {
        return Ok(Disposition::Done);
    }
    let Some(settings) = ctx.settings.get(store, &task.tenant_id).await? else {
        finish(
            ctx,
            &message,
            MessageStatus::Skipped,
            Some("the tenant is gone".into()),
            None,
        )
        .await?;
        return Ok(Disposition::Done);
    };
    let due = due_at(&settings, &message, now);
    if due > now {
        let mut waiting = message.clone();
        if due != message.not_before {
            waiting.not_before = due;
            waiting = messages::update(store, &message, waiting, now).await?;
        }
        return Ok(match schedule(ctx, &waiting).await {
            Ok(()) => Disposition::Done,
            Err(e) => Disposition::Retry(format!("could not defer: {e}")),
        });
    }
    if let Some(reason) = skip_reason(ctx, &settings, &message, now).await? {
        tracing::info!(tenant = %message.tenant_id, message_id = %message.id, %reason, "text skipped");
        finish(ctx, &message, MessageStatus::Skipped, Some(reason), None).await?;
        return Ok(Disposition::Done);
    }
    // Claim it (a version-guarded write that stamps the claim): of two tasks for one message
    // handled at once — queued twice, or redelivered while the first is still running — only
    // one sends. A task that reads the message after another's claim leaves it while the
    // claim is fresh, and finds it sent when it comes back.
    if message
        .claimed_at
        .is_some_and(|at| now < at + chrono::Duration::seconds(CLAIM_FOR_SECS))
    {
        return Ok(Disposition::Retry("another sender has this message".into()));
    }
    let mut claim = message.clone();
    claim.claimed_at = Some(now);
    let message = match messages::update(store, &message, claim, now).await {
        Ok(claimed) => claimed,
        Err(StoreError::ConditionFailed("message_version")) => {
            return Ok(Disposition::Retry("another sender has this message".into()))
        }
        Err(e) => return Err(e),
    };
    // Counted once claimed, just before it goes: what the caps hold back is skipped, with the
    // reason on the message and the customer's timeline.
    let held = match limits::admit_text(
        store,
        &message.tenant_id,
        &message.to,
        &settings.sms_limits,
        now,
    )
    .await?
    {
        TextAdmission::Admitted => None,
        TextAdmission::NumberCap => Some(format!(
            "held back: {} texts to this number today already (the daily cap)",
            settings.sms_limits.per_number_per_day
        )),
        TextAdmission::TenantCap => Some(format!(
            "held back: {} texts from the business today already (the daily cap)",
            settings.sms_limits.per_day
        )),
    };
    if let Some(reason) = held {
        tracing::warn!(tenant = %message.tenant_id, message_id = %message.id, %reason, "text held back");
        finish(ctx, &message, MessageStatus::Skipped, Some(reason), None).await?;
        return Ok(Disposition::Done);
    }
    let from = match &settings.sms_from {
        Some(sender) if senders::is_allowed(store, &message.tenant_id, sender).await? => {
            Some(sender.clone())
        }
        Some(sender) => {
            tracing::warn!(tenant = %message.tenant_id, %sender,
                "sms_from is not an allowed sender; the provider's default sends");
            None
        }
        None => None,
    };
    let sms = Sms {
        to: message.to.clone(),
        from,
        status_callback: ctx
            .public_url
            .as_deref()
            .map(|base| format!("{base}/hooks/{}/sms-status", message.tenant_id)),
        body: message.body.clone(),
    };
    match ctx.sms.send(&sms).await {
        Ok(provider_id) => {
            finish(ctx, &message, MessageStatus::Sent, None, Some(provider_id)).await?;
            if message.kind == MessageKind::ReviewRequest {
                if let Some(customer) = &message.customer_id {
                    if let Err(e) =
                        customers::mark_review_requested(store, &message.tenant_id, customer, now)
                            .await
                    {
                        tracing::error!(tenant = %message.tenant_id, customer_id = %customer,
                            error = %e, "review request sent but not recorded on the customer");
                    }
                }
            }
            tracing::info!(tenant = %message.tenant_id, message_id = %message.id,
                kind = message.kind.as_str(), "text sent");
            Ok(Disposition::Done)
        }
        Err(SmsError::Rejected(reason)) => {
            finish(
                ctx,
                &message,
                MessageStatus::Failed,
                Some(reason.clone()),
                None,
            )
            .await?;
            Ok(Disposition::Dead(reason))
        }
        Err(SmsError::Transient(reason)) => {
            if receive_count >= MAX_RECEIVES {
                let last = format!("gave up after {MAX_RECEIVES} attempts: {reason}");
                finish(ctx, &message, MessageStatus::Failed, Some(last), None).await?;
            } else {
                // The retry may come sooner than the claim expires: let it send.
                let mut released = message.clone();
                released.claimed_at = None;
                messages::update(store, &message, released, now).await?;
            }
            Ok(Disposition::Retry(reason))
        }
    }
}

/// When the message may go out: its own time, moved past quiet hours.
fn due_at(settings: &TenantSettings, message: &Message, now: DateTime<Utc>) -> DateTime<Utc> {
    hours::after_quiet_hours(
        message.not_before.max(now),
        hours::zone(&settings.time_zone),
        &settings.quiet_hours,
    )
    .max(message.not_before)
}
