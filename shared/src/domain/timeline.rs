//! A customer's timeline (DESIGN §2.2): one ordered stream of what happened to them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::domain::customer::Milestone;
use crate::domain::lead::{Lead, StatusEvent};

/// One entry of a customer's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TimelineEntry {
    pub id: String,
    /// `booking`, `milestone`, `segment`, `stage`, …
    #[serde(rename = "type")]
    pub kind: String,
    pub at: DateTime<Utc>,
    pub text: String,
    #[serde(default)]
    #[schema(required)]
    pub data: Value,
}

/// An entry to write on a timeline: `(type, text, data)`; the store gives it its id and time.
pub type Entry = (&'static str, String, Value);

/// The entry of a lead status change, under the event's own id (it sorts by when it
/// happened, and writing it again is a no-op).
pub fn status_entry(event: &StatusEvent) -> TimelineEntry {
    let from = event.from.map(|f| f.as_str()).unwrap_or("none");
    TimelineEntry {
        id: event.id.clone(),
        kind: "status".into(),
        at: event.at,
        text: format!("Lead {from} → {}", event.to.as_str()),
        data: json!({"lead_id": event.lead_id, "from": event.from, "to": event.to, "actor": event.actor, "reason": event.reason}),
    }
}

/// The entry of a lead's capture, under the lead's id, for the customer it became.
pub fn lead_entry(lead: &Lead) -> TimelineEntry {
    TimelineEntry {
        id: lead.id.clone(),
        kind: "lead".into(),
        at: lead.created_at,
        text: format!(
            "Lead captured from {}{}",
            lead.source,
            lead.service
                .as_deref()
                .map(|s| format!(" for {s}"))
                .unwrap_or_default()
        ),
        data: json!({"lead_id": lead.id, "source": lead.source, "service": lead.service}),
    }
}

/// The entry of a milestone reached.
pub fn milestone_entry(m: Milestone) -> Entry {
    (
        "milestone",
        format!("Milestone reached: {}", m.as_str()),
        json!({"milestone": m}),
    )
}
