//! The domain events this product publishes (DESIGN §5), one type for every publisher and
//! consumer. On the bus an event is its `detail-type` (the variant's name below) and its
//! `detail` (the variant's fields): serde's adjacent tagging is exactly EventBridge's
//! envelope, so an event as EventBridge delivers it (to a queue, or a Lambda) reads back
//! into this type, its other envelope fields ignored.
//!
//! Every detail carries `tenant_id` and an `event_id` that is the same for the same fact
//! however often it is published, so consumers stay idempotent. No personal data: ids,
//! statuses and attribution only.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::customer::{JourneyStage, Milestone, Segment};
use crate::domain::lead::{Lead, LeadStatus, StatusEvent};
use crate::domain::source::Source;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "detail-type", content = "detail")]
pub enum Event {
    /// A new lead (a landing page's capture or one staff entered).
    #[serde(rename = "lead.captured")]
    LeadCaptured(LeadCaptured),
    /// A lead moved along the pipeline (by staff, or by its booking).
    #[serde(rename = "lead.status_changed")]
    LeadStatusChanged(LeadStatusChanged),
    /// An open lead nobody booked in time.
    #[serde(rename = "lead.stale")]
    LeadStale(LeadStale),
    #[serde(rename = "customer.segment_changed")]
    CustomerSegmentChanged(CustomerChanged<Segment>),
    #[serde(rename = "customer.stage_changed")]
    CustomerStageChanged(CustomerChanged<JourneyStage>),
    /// A milestone awarded (once per customer).
    #[serde(rename = "milestone.reached")]
    MilestoneReached(MilestoneReached),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadCaptured {
    pub event_id: String,
    pub tenant_id: String,
    pub lead_id: String,
    pub source: Source,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadStatusChanged {
    pub event_id: String,
    pub tenant_id: String,
    pub lead_id: String,
    /// None for the lead's first status.
    pub from: Option<LeadStatus>,
    pub to: LeadStatus,
    /// A user's `sub`, or `system`.
    pub actor: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadStale {
    pub event_id: String,
    pub tenant_id: String,
    pub lead_id: String,
    pub status: LeadStatus,
    pub created_at: DateTime<Utc>,
    pub at: DateTime<Utc>,
}

/// A customer's classification of type `T` changed (by a booking fact, or by time alone in
/// the daily refresh): one per timeline entry of the change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerChanged<T> {
    pub event_id: String,
    pub tenant_id: String,
    pub customer_id: String,
    pub from: T,
    pub to: T,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MilestoneReached {
    pub event_id: String,
    pub tenant_id: String,
    pub customer_id: String,
    pub milestone: Milestone,
}

impl Event {
    /// Every detail-type, in the order of the variants.
    pub const DETAIL_TYPES: &'static [&'static str] = &[
        "lead.captured",
        "lead.status_changed",
        "lead.stale",
        "customer.segment_changed",
        "customer.stage_changed",
        "milestone.reached",
    ];

    pub fn lead_captured(lead: &Lead) -> Self {
        Event::LeadCaptured(LeadCaptured {
            event_id: format!("lead.captured:{}", lead.id),
            tenant_id: lead.tenant_id.clone(),
            lead_id: lead.id.clone(),
            source: lead.source,
            created_at: lead.created_at,
        })
    }

    pub fn lead_status_changed(tenant: &str, event: &StatusEvent) -> Self {
        Event::LeadStatusChanged(LeadStatusChanged {
            event_id: format!("lead.status_changed:{}", event.id),
            tenant_id: tenant.to_owned(),
            lead_id: event.lead_id.clone(),
            from: event.from,
            to: event.to,
            actor: event.actor.clone(),
            at: event.at,
        })
    }

    /// An open lead flagged stale (`event` is its stale status event: from and to its
    /// status), created at `lead_created_at`.
    pub fn lead_stale(tenant: &str, event: &StatusEvent, lead_created_at: DateTime<Utc>) -> Self {
        Event::LeadStale(LeadStale {
            event_id: format!("lead.stale:{}", event.id),
            tenant_id: tenant.to_owned(),
            lead_id: event.lead_id.clone(),
            status: event.to,
            created_at: lead_created_at,
            at: event.at,
        })
    }

    /// A customer's segment moved from `from` to `to`: `change` names the change (its
    /// timeline entry), so the same change always has the same event id.
    pub fn segment_changed(
        tenant: &str,
        customer: &str,
        change: &str,
        from: Segment,
        to: Segment,
        at: DateTime<Utc>,
    ) -> Self {
        Event::CustomerSegmentChanged(changed(
            "customer.segment_changed",
            tenant,
            customer,
            change,
            (from, to),
            at,
        ))
    }

    /// A customer's journey stage moved; as [`Event::segment_changed`].
    pub fn stage_changed(
        tenant: &str,
        customer: &str,
        change: &str,
        from: JourneyStage,
        to: JourneyStage,
        at: DateTime<Utc>,
    ) -> Self {
        Event::CustomerStageChanged(changed(
            "customer.stage_changed",
            tenant,
            customer,
            change,
            (from, to),
            at,
        ))
    }

    /// A milestone reached (once per customer and milestone).
    pub fn milestone_reached(tenant: &str, customer: &str, milestone: Milestone) -> Self {
        Event::MilestoneReached(MilestoneReached {
            event_id: format!("milestone.reached:{customer}:{}", milestone.as_str()),
            tenant_id: tenant.to_owned(),
            customer_id: customer.to_owned(),
            milestone,
        })
    }

    /// The event's `detail-type`.
    pub fn detail_type(&self) -> &'static str {
        match self {
            Event::LeadCaptured(_) => "lead.captured",
            Event::LeadStatusChanged(_) => "lead.status_changed",
            Event::LeadStale(_) => "lead.stale",
            Event::CustomerSegmentChanged(_) => "customer.segment_changed",
            Event::CustomerStageChanged(_) => "customer.stage_changed",
            Event::MilestoneReached(_) => "milestone.reached",
        }
    }

    pub fn tenant_id(&self) -> &str {
        match self {
            Event::LeadCaptured(e) => &e.tenant_id,
            Event::LeadStatusChanged(e) => &e.tenant_id,
            Event::LeadStale(e) => &e.tenant_id,
            Event::CustomerSegmentChanged(e) => &e.tenant_id,
            Event::CustomerStageChanged(e) => &e.tenant_id,
            Event::MilestoneReached(e) => &e.tenant_id,
        }
    }

    pub fn event_id(&self) -> &str {
        match self {
            Event::LeadCaptured(e) => &e.event_id,
            Event::LeadStatusChanged(e) => &e.event_id,
            Event::LeadStale(e) => &e.event_id,
            Event::CustomerSegmentChanged(e) => &e.event_id,
            Event::CustomerStageChanged(e) => &e.event_id,
            Event::MilestoneReached(e) => &e.event_id,
        }
    }
}

fn changed<T>(
    kind: &str,
    tenant: &str,
    customer: &str,
    change: &str,
    (from, to): (T, T),
    at: DateTime<Utc>,
) -> CustomerChanged<T> {
    CustomerChanged {
        event_id: format!("{kind}:{customer}:{change}"),
        tenant_id: tenant.to_owned(),
        customer_id: customer.to_owned(),
        from,
        to,
        at,
    }
}
