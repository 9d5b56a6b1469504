//! What the lead screen shows of one lead: the lead with its status events, notes and
//! follow-up tasks (its own room: a lead knows nothing of tasks, a task names its lead).

use serde::Serialize;

use crate::domain::lead::{Lead, Note, StatusEvent};
use crate::domain::task::Task;

/// A lead with what hangs off it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LeadDetail {
    #[serde(flatten)]
    pub lead: Lead,
    /// Oldest first.
    pub events: Vec<StatusEvent>,
    /// Newest first.
    pub notes: Vec<Note>,
    /// Follow-up tasks (the "contact lead" task of a new lead).
    pub tasks: Vec<Task>,
}
