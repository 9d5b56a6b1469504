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

use crate::domain::customer::{Customer, JourneyStage, Milestone, Segment};
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

/// A customer's classification of type `T` changed (by time alone: the daily refresh).
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

    pub fn lead_stale(lead: &Lead, event: &StatusEvent) -> Self {
        Event::LeadStale(LeadStale {
            event_id: format!("lead.stale:{}", event.id),
            tenant_id: lead.tenant_id.clone(),
            lead_id: lead.id.clone(),
            status: lead.status,
            created_at: lead.created_at,
            at: event.at,
        })
    }

    /// The customer's segment moved from `from` to `to`; one per version of the customer.
    pub fn segment_changed(c: &Customer, from: Segment, to: Segment, at: DateTime<Utc>) -> Self {
        Event::CustomerSegmentChanged(changed("customer.segment_changed", c, from, to, at))
    }

    /// The customer's journey stage moved; one per version of the customer.
    pub fn stage_changed(
        c: &Customer,
        from: JourneyStage,
        to: JourneyStage,
        at: DateTime<Utc>,
    ) -> Self {
        Event::CustomerStageChanged(changed("customer.stage_changed", c, from, to, at))
    }

    pub fn milestone_reached(c: &Customer, milestone: Milestone) -> Self {
        Event::MilestoneReached(MilestoneReached {
            event_id: format!("milestone.reached:{}:{}", c.id, milestone.as_str()),
            tenant_id: c.tenant_id.clone(),
            customer_id: c.id.clone(),
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

fn changed<T>(kind: &str, c: &Customer, from: T, to: T, at: DateTime<Utc>) -> CustomerChanged<T> {
    CustomerChanged {
        event_id: format!("{kind}:{}:{}", c.id, c.version),
        tenant_id: c.tenant_id.clone(),
        customer_id: c.id.clone(),
        from,
        to,
        at,
    }
}
