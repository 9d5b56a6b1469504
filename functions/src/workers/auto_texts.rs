//! `auto_texts`: the texts that go out by themselves (DESIGN §2.4, issue 20 item 7), each
//! behind the tenant's switch (`settings.auto_texts`): a follow-up to a new lead who
//! consented to texts (`lead.captured`), and a greeting when a customer who consented to
//! marketing reaches a milestone (`milestone.reached`). Delivered by an EventBridge rule
//! (crm-local: its bus), never from the capture's own request, so a capture costs what it
//! did. Each text is recorded through `usecases::messaging::enqueue` under a business key
//! (`followup-<lead>`, `milestone-<customer>-<milestone>`), so an event delivered twice
//! queues one text; `send_sms` then holds it through quiet hours and checks opt-outs, caps
//! and consent again when it sends.

use crm_shared::domain::events::{LeadCaptured, MilestoneReached};
use crm_shared::domain::message::MessageKind;
use crm_shared::ports::store::StoreError;
use crm_shared::store::{customers, leads};
use serde_json::Value;

use crate::context::Ctx;
use crate::usecases::messaging::{enqueue, MessagingError, Outgoing};

/// What made a delivered event fail (EventBridge retries it, then the dead-letter queue
/// keeps it with this reason).
#[derive(Debug, thiserror::Error)]
pub enum AutoTextError {
    #[error("not an event this function takes: {0}")]
    Unexpected(String),
    #[error("unreadable {0} event: {1}")]
    Unreadable(&'static str, String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Messaging(#[from] MessagingError),
}

/// What an event led to (the invocation's answer).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A text recorded and queued, under this message id.
    Queued(String),
    /// Nothing to send, and why.
    Skipped(&'static str),
}

/// One EventBridge event (`detail-type`, `detail`).
pub async fn handle(ctx: &Ctx, event: Value) -> Result<Outcome, AutoTextError> {
    let kind = event
        .get("detail-type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let detail = event.get("detail").cloned().unwrap_or(Value::Null);
    let outcome = match kind.as_str() {
        "lead.captured" => {
            let e: LeadCaptured = serde_json::from_value(detail)
                .map_err(|e| AutoTextError::Unreadable("lead.captured", e.to_string()))?;
            follow_up(ctx, &e).await?
        }
        "milestone.reached" => {
            let e: MilestoneReached = serde_json::from_value(detail)
                .map_err(|e| AutoTextError::Unreadable("milestone.reached", e.to_string()))?;
            greeting(ctx, &e).await?
        }
        other => return Err(AutoTextError::Unexpected(other.to_owned())),
    };
    tracing::info!(event = %kind, outcome = ?outcome, "automatic text");
    Ok(outcome)
}

async fn follow_up(ctx: &Ctx, e: &LeadCaptured) -> Result<Outcome, AutoTextError> {
    let store = ctx.store.as_ref();
    let Some(settings) = ctx.settings.get(store, &e.tenant_id).await? else {
        return Ok(Outcome::Skipped("no such business"));
    };
    if !settings.auto_texts.lead_follow_up {
        return Ok(Outcome::Skipped("follow-up texts are off"));
    }
    let Some(lead) = leads::get(store, &e.tenant_id, &e.lead_id).await? else {
        return Ok(Outcome::Skipped("the lead is gone"));
    };
    if lead.consent.is_none() {
        return Ok(Outcome::Skipped("the lead did not consent to texts"));
    }
    let message = enqueue(
        ctx,
        &settings,
        Outgoing {
            id: format!("followup-{}", lead.id),
            kind: MessageKind::FollowUp,
            to: lead.phone.clone(),
            name: lead.name.clone(),
            customer_id: lead.customer_id.clone(),
            lead_id: Some(lead.id.clone()),
            missed_call_id: None,
            body: None,
            not_before: ctx.clock.now(),
            created_by: "system".into(),
        },
    )
    .await?;
    Ok(Outcome::Queued(message.id))
}

async fn greeting(ctx: &Ctx, e: &MilestoneReached) -> Result<Outcome, AutoTextError> {
    let store = ctx.store.as_ref();
    let Some(settings) = ctx.settings.get(store, &e.tenant_id).await? else {
        return Ok(Outcome::Skipped("no such business"));
    };
    if !settings.auto_texts.milestone_greetings {
        return Ok(Outcome::Skipped("milestone greetings are off"));
    }
    let Some(customer) = customers::get(store, &e.tenant_id, &e.customer_id).await? else {
        return Ok(Outcome::Skipped("the customer is gone"));
    };
    if !customer.marketing_consent {
        return Ok(Outcome::Skipped(
            "the customer did not consent to marketing",
        ));
    }
    let Some(phone) = customer.phones.first() else {
        return Ok(Outcome::Skipped("the customer has no phone"));
    };
    let message = enqueue(
        ctx,
        &settings,
        Outgoing {
            id: format!("milestone-{}-{}", customer.id, e.milestone.as_str()),
            kind: MessageKind::Milestone,
            to: phone.clone(),
            name: customer.name.clone(),
            customer_id: Some(customer.id.clone()),
            lead_id: None,
            missed_call_id: None,
            body: None,
            not_before: ctx.clock.now(),
            created_by: "system".into(),
        },
    )
    .await?;
    Ok(Outcome::Queued(message.id))
}
