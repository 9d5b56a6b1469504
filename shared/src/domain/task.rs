//! Follow-up tasks (DESIGN §2.1): a new lead gets a "contact lead" task due one business hour
//! after capture. A task's id is `<lead id>.<kind>` (`01J….contact`): it names its lead, so a
//! task is found by its id alone. The contact task is kept on the lead itself
//! ([`crate::domain::lead::ContactTask`]); this is how the API shows it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::hours;
use crate::domain::lead::{is_lead_id, ContactTask, Lead};
use crate::domain::tenant::TenantSettings;

/// Minutes of business time a new lead's contact task is due after its capture.
pub const CONTACT_WITHIN_MINUTES: i64 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Open,
    Done,
}

impl TaskStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Open => "open",
            TaskStatus::Done => "done",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Task {
    pub id: String,
    pub tenant_id: String,
    pub lead_id: String,
    /// `contact_lead`.
    pub kind: String,
    pub title: String,
    pub due_at: DateTime<Utc>,
    /// A user's `sub`; none → anyone's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub assignee: Option<String>,
    pub status: TaskStatus,
    /// The lead's name, so a list of tasks reads without a read per lead.
    #[serde(default)]
    #[schema(required)]
    pub lead_name: String,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub completed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub completed_at: Option<DateTime<Utc>>,
    pub version: u64,
}

/// The lead a task id names, when it is one of ours.
pub fn lead_of(task_id: &str) -> Option<&str> {
    let (lead, kind) = task_id.split_once('.')?;
    (is_lead_id(lead)
        && !kind.is_empty()
        && kind.len() <= 40
        && kind.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
    .then_some(lead)
}

/// Gives a new lead its "contact lead" task: due one business hour after its capture (in
/// the tenant's zone and hours).
pub fn open_contact_task(lead: &mut Lead, settings: &TenantSettings) {
    lead.contact = ContactTask {
        due_at: Some(hours::add_business_time(
            lead.created_at,
            hours::zone(&settings.time_zone),
            &settings.business_hours,
            CONTACT_WITHIN_MINUTES,
        )),
        done: None,
    };
}

/// The kind of a lead's contact task, the tail of its id (`<lead id>.contact`).
pub const CONTACT_KIND: &str = "contact";

/// A lead's contact task as the API shows it, assigned to the lead's assignee; None when the
/// lead has none. Its version is 1 while open and 2 once done.
pub fn task_of(lead: &Lead) -> Option<Task> {
    let due_at = lead.contact.due_at?;
    let done = lead.contact.done.clone();
    Some(Task {
        id: format!("{}.{CONTACT_KIND}", lead.id),
        tenant_id: lead.tenant_id.clone(),
        lead_id: lead.id.clone(),
        kind: "contact_lead".into(),
        title: "Contact lead".into(),
        due_at,
        assignee: lead.assignee.clone(),
        status: if done.is_some() {
            TaskStatus::Done
        } else {
            TaskStatus::Open
        },
        lead_name: lead.name.clone(),
        created_at: lead.created_at,
        version: if done.is_some() { 2 } else { 1 },
        completed_by: done.as_ref().map(|(by, _)| by.clone()),
        completed_at: done.map(|(_, at)| at),
    })
}
