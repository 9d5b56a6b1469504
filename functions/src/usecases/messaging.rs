//! Queuing a text (DESIGN §2.4): the message is recorded (status `queued`, on the customer's
//! timeline) and a task naming it goes on the `sms` queue; `workers::send_sms` sends it when
//! it is due and outside quiet hours, if the number has not opted out.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use crm_shared::domain::message::{
    first_name, render, review_allowed, Message, MessageKind, MessageStatus, TemplateError,
    REVIEW_REQUEST_EVERY_DAYS,
};
use crm_shared::domain::tenant::TenantSettings;
use crm_shared::ports::queue::{QueueError, QueueName, MAX_DELAY_SECS};
use crm_shared::ports::store::StoreError;
use crm_shared::store::messages::{self, Created};
use serde::{Deserialize, Serialize};

use crate::context::Ctx;
use crm_shared::http::problem::ApiError;

/// A text to queue.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    /// The business key: the same work queued twice is one message.
    pub id: String,
    pub kind: MessageKind,
    /// E.164.
    pub to: String,
    /// The recipient's name, for `{first_name}` and `{name}`.
    pub name: String,
    pub customer_id: Option<String>,
    pub lead_id: Option<String>,
    pub missed_call_id: Option<String>,
    /// The text; none → the tenant's template for the kind.
    pub body: Option<String>,
    pub not_before: DateTime<Utc>,
    /// A user's `sub`, or `system`.
    pub created_by: String,
}

/// What the `sms` queue carries: which message to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsTask {
    pub tenant_id: String,
    pub message_id: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MessagingError {
    #[error("template of {kind}: {error}")]
    Template {
        kind: &'static str,
        error: TemplateError,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Queue(#[from] QueueError),
}

/// The body of a kind's text for this recipient: the tenant's template or the built-in one.
/// A text to a lead links the booking page naming the lead (`TenantSettings::redirect_for`),
/// so the booking it leads to converts that lead.
pub fn compose(
    settings: &TenantSettings,
    kind: MessageKind,
    name: &str,
    lead_id: Option<&str>,
) -> Result<String, TemplateError> {
    let template = settings
        .templates
        .get(kind.as_str())
        .map(String::as_str)
        .unwrap_or(kind.default_template());
    let values = BTreeMap::from([
        ("first_name", first_name(name)),
        ("name", name.to_owned()),
        ("business", settings.business_name.clone()),
        (
            "booking_url",
            lead_id.map_or_else(
                || settings.redirect_url.clone(),
                |id| settings.redirect_for(id),
            ),
        ),
        (
            "review_url",
            settings.review_url.clone().unwrap_or_default(),
        ),
    ]);
    render(template, &values)
}

/// Seconds to hold a queue task back so it arrives at `at` (at most the queue's limit; the
/// sender defers again until it is due). Rounded up: a task due in half a second waits one,
/// instead of coming straight back while it is not yet due.
pub fn delay_until(now: DateTime<Utc>, at: DateTime<Utc>) -> u32 {
    let millis = (at - now).num_milliseconds().max(0);
    u32::try_from((millis + 999) / 1000)
        .unwrap_or(MAX_DELAY_SECS)
        .min(MAX_DELAY_SECS)
}

/// Puts a task for `message` on the `sms` queue, arriving when it is due.
pub async fn schedule(ctx: &Ctx, message: &Message) -> Result<(), QueueError> {
    let task = SmsTask {
        tenant_id: message.tenant_id.clone(),
        message_id: message.id.clone(),
    };
    let body = serde_json::to_string(&task).map_err(|e| QueueError::Unavailable(e.to_string()))?;
    ctx.queue
        .send(
            QueueName::Sms,
            &body,
            delay_until(ctx.clock.now(), message.not_before),
        )
        .await
        .map(|_| ())
}

/// Records and queues a text. Queuing the same id again returns the existing message (and
/// queues it again while it is still `queued`, in case the first task was lost); a message
/// whose task cannot be queued is marked failed with the reason, so none waits forever.
pub async fn enqueue(
    ctx: &Ctx,
    settings: &TenantSettings,
    out: Outgoing,
) -> Result<Message, MessagingError> {
    let now = ctx.clock.now();
    let body = match out.body {
        Some(body) => body,
        None => {
            compose(settings, out.kind, &out.name, out.lead_id.as_deref()).map_err(|error| {
                MessagingError::Template {
                    kind: out.kind.as_str(),
                    error,
                }
            })?
        }
    };
    let message = Message {
        id: out.id,
        tenant_id: settings.tenant_id.clone(),
        kind: out.kind,
        to: out.to,
        customer_id: out.customer_id,
        lead_id: out.lead_id,
        missed_call_id: out.missed_call_id,
        body,
        status: MessageStatus::Queued,
        reason: None,
        provider_id: None,
        not_before: out.not_before,
        created_by: out.created_by,
        created_at: now,
        updated_at: now,
        sent_at: None,
        claimed_at: None,
        version: 1,
    };
    let message = match messages::create(ctx.store.as_ref(), message).await? {
        Created::New(m) => m,
        Created::Existing(m) if m.status != MessageStatus::Queued => return Ok(m),
        Created::Existing(m) => m,
    };
    if let Err(e) = schedule(ctx, &message).await {
        tracing::error!(tenant = %message.tenant_id, message_id = %message.id, error = %e,
            "text could not be queued");
        let mut failed = message.clone();
        failed.status = MessageStatus::Failed;
        failed.reason = Some(format!("could not be queued: {e}"));
        messages::update(ctx.store.as_ref(), &message, failed, now).await?;
        return Err(e.into());
    }
    tracing::info!(tenant = %message.tenant_id, message_id = %message.id,
        kind = message.kind.as_str(), not_before = %message.not_before, "text queued");
    Ok(message)
}

/// Why a review request was not queued.
#[derive(Debug, thiserror::Error)]
pub enum ReviewRequestError {
    #[error("the customer has no phone number")]
    NoPhone,
    #[error("a review was requested on {0} (at most one per {days} days)", days = REVIEW_REQUEST_EVERY_DAYS)]
    TooSoon(DateTime<Utc>),
    /// A review request is queued and not yet sent (e.g. waiting for quiet hours to end).
    #[error("a review request is already waiting to go out at {0}")]
    Waiting(DateTime<Utc>),
    #[error(transparent)]
    Messaging(#[from] MessagingError),
}

/// Queues a review request to a customer (DESIGN §2.4): after a completed visit (`booking`
/// names it, and the message id is that visit's, so a fact delivered twice asks once), or by
/// hand. None within 90 days of the last one; the sender checks again when it goes out.
pub async fn request_review(
    ctx: &Ctx,
    settings: &TenantSettings,
    customer: &crm_shared::domain::customer::Customer,
    booking: Option<&str>,
    not_before: DateTime<Utc>,
    created_by: &str,
) -> Result<Message, ReviewRequestError> {
    let now = ctx.clock.now();
    review_allowed(customer.review_requested_at, now).map_err(ReviewRequestError::TooSoon)?;
    let phone = customer.phones.first().ok_or(ReviewRequestError::NoPhone)?;
    let id = match booking {
        Some(booking) => format!("review-{}-{booking}", customer.id),
        None => manual_review_id(ctx, customer).await?,
    };
    Ok(enqueue(
        ctx,
        settings,
        Outgoing {
            id,
            kind: MessageKind::ReviewRequest,
            to: phone.clone(),
            name: customer.name.clone(),
            customer_id: Some(customer.id.clone()),
            lead_id: None,
            missed_call_id: None,
            body: None,
            not_before,
            created_by: created_by.to_owned(),
        },
    )
    .await?)
}

/// The id of a review asked for by hand: one per customer between two sent reviews, so that a
/// second ask while the first still waits (quiet hours) is refused rather than queued twice.
/// Once that one was refused or skipped (say, the customer opted out), a new ask gets a new id.
async fn manual_review_id(
    ctx: &Ctx,
    customer: &crm_shared::domain::customer::Customer,
) -> Result<String, ReviewRequestError> {
    let since = customer
        .review_requested_at
        .map(|at| at.timestamp_millis().to_string())
        .unwrap_or_else(|| "first".into());
    let id = format!("review-{}-manual-{since}", customer.id);
    let existing = messages::get(ctx.store.as_ref(), &customer.tenant_id, &id)
        .await
        .map_err(MessagingError::Store)?;
    Ok(match existing {
        None => id,
        Some(m) if m.status == MessageStatus::Queued => {
            return Err(ReviewRequestError::Waiting(m.not_before))
        }
        Some(_) => format!("{id}-{}", ulid::Ulid::new()),
    })
}

impl From<MessagingError> for ApiError {
    fn from(e: MessagingError) -> Self {
        match e {
            MessagingError::Template { kind, error } => ApiError::conflict(
                format!("the tenant's {kind} template cannot be used: {error}"),
                serde_json::json!({"conflict": "template", "kind": kind}),
            ),
            MessagingError::Store(e) => e.into(),
            MessagingError::Queue(e) => ApiError::Unavailable(e.to_string()),
        }
    }
}

impl From<ReviewRequestError> for ApiError {
    fn from(e: ReviewRequestError) -> Self {
        match e {
            ReviewRequestError::NoPhone => ApiError::field("customer", e.to_string()),
            ReviewRequestError::TooSoon(at) => ApiError::conflict(
                e.to_string(),
                serde_json::json!({"review_requested_at": at}),
            ),
            ReviewRequestError::Waiting(at) => ApiError::conflict(
                e.to_string(),
                serde_json::json!({"conflict": "review_waiting", "not_before": at}),
            ),
            ReviewRequestError::Messaging(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_waits_whole_seconds_up_to_the_queues_limit() {
        let now = DateTime::parse_from_rfc3339("2026-01-14T12:00:00Z")
            .map(|t| t.to_utc())
            .unwrap_or_default();
        let ms = chrono::Duration::milliseconds;
        assert_eq!(delay_until(now, now), 0);
        assert_eq!(delay_until(now, now - ms(5_000)), 0, "overdue: at once");
        assert_eq!(
            delay_until(now, now + ms(1)),
            1,
            "never back before it is due"
        );
        assert_eq!(delay_until(now, now + ms(1_500)), 2);
        assert_eq!(
            delay_until(now, now + chrono::Duration::hours(13)),
            MAX_DELAY_SECS
        );
    }
}
