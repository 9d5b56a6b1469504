//! A customer's timeline (DESIGN §2.2): one ordered stream of what happened to them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One entry of a customer's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub id: String,
    /// `booking`, `milestone`, `segment`, `stage`, …
    #[serde(rename = "type")]
    pub kind: String,
    pub at: DateTime<Utc>,
    pub text: String,
    #[serde(default)]
    pub data: Value,
}

/// An entry to write on a timeline: `(type, text, data)`; the store gives it its id and time.
pub type Entry = (&'static str, String, Value);
