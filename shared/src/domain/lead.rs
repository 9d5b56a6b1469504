//! Leads: the record, its status machine (DESIGN §2.1) and the rules on changing it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::source::{LastTouch, Source, Touch};

/// Pipeline status of a lead.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    PartialOrd,
    Ord,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    New,
    Contacted,
    FollowUp,
    Booked,
    Won,
    Lost,
}

impl LeadStatus {
    pub const ALL: [LeadStatus; 6] = [
        LeadStatus::New,
        LeadStatus::Contacted,
        LeadStatus::FollowUp,
        LeadStatus::Booked,
        LeadStatus::Won,
        LeadStatus::Lost,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LeadStatus::New => "new",
            LeadStatus::Contacted => "contacted",
            LeadStatus::FollowUp => "follow_up",
            LeadStatus::Booked => "booked",
            LeadStatus::Won => "won",
            LeadStatus::Lost => "lost",
        }
    }

    pub fn parse(text: &str) -> Option<LeadStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The statuses this one may move to (DESIGN §2.1).
    pub fn allowed_next(self) -> &'static [LeadStatus] {
        use LeadStatus::*;
        match self {
            New => &[Contacted, FollowUp, Booked, Lost],
            Contacted => &[FollowUp, Booked, Lost],
            FollowUp => &[Contacted, Booked, Lost],
            Booked => &[Won, FollowUp, Lost],
            Won => &[],
            Lost => &[Contacted],
        }
    }

    pub fn can_move_to(self, to: LeadStatus) -> bool {
        self.allowed_next().contains(&to)
    }

    /// Open leads are still being worked: they can go stale.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            LeadStatus::New | LeadStatus::Contacted | LeadStatus::FollowUp
        )
    }
}

impl std::fmt::Display for LeadStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Consent to marketing SMS, as given on the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Consent {
    pub sms_marketing: bool,
    /// How it was obtained, e.g. `landing_form`, `manual`.
    pub method: String,
    pub at: DateTime<Utc>,
}

/// A lead. Money is in minor units (cents) to keep sums exact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Lead {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    /// E.164.
    pub phone: String,
    /// As the prospect typed it.
    pub phone_raw: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub message: Option<String>,
    pub status: LeadStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub lost_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub assignee: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub follow_up_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub appointment_at: Option<DateTime<Utc>>,
    /// Expected value in minor units.
    #[serde(default)]
    #[schema(required)]
    pub expected_value: i64,
    pub source: Source,
    #[serde(default)]
    #[schema(required)]
    pub touch: Touch,
    /// The latest capture of the same phone within the dedupe window, when there was one
    /// (absent: the first touch is also the last).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub last_touch: Option<LastTouch>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub consent: Option<Consent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub customer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub converted_booking_id: Option<String>,
    #[serde(default)]
    #[schema(required)]
    pub stale: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[schema(minimum = 1)]
    pub version: u64,
    /// Its "contact lead" follow-up, kept on the lead's own item (the API shows it as a
    /// task: `crate::domain::task::task_of`).
    #[serde(skip)]
    pub contact: ContactTask,
}

/// A lead's "contact lead" follow-up (DESIGN §2.1): due one business hour after capture,
/// done when someone says so. It lives on the lead's item, not as an item of its own, so
/// a capture writes one item fewer (issue 18: three write units per lead).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactTask {
    /// When the lead should be contacted by; None → the lead has no contact task.
    pub due_at: Option<DateTime<Utc>>,
    /// Who did it and when.
    pub done: Option<(String, DateTime<Utc>)>,
}

impl ContactTask {
    /// Open: due and not done yet.
    pub fn is_open(&self) -> bool {
        self.due_at.is_some() && self.done.is_none()
    }
}

/// What a new lead starts with, from a form or a person.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewLead {
    pub name: String,
    pub phone: String,
    pub phone_raw: String,
    pub email: Option<String>,
    pub service: Option<String>,
    pub message: Option<String>,
    pub source: Option<Source>,
    pub touch: Touch,
    pub consent: Option<Consent>,
    pub assignee: Option<String>,
    pub expected_value: i64,
    pub follow_up_at: Option<DateTime<Utc>>,
    pub appointment_at: Option<DateTime<Utc>>,
}

impl Lead {
    /// A lead in status `new`, version 1.
    pub fn create(tenant_id: &str, id: &str, new: NewLead, now: DateTime<Utc>) -> Lead {
        Lead {
            id: id.to_owned(),
            tenant_id: tenant_id.to_owned(),
            name: new.name,
            phone: new.phone,
            phone_raw: new.phone_raw,
            email: new.email,
            service: new.service,
            message: new.message,
            status: LeadStatus::New,
            lost_reason: None,
            assignee: new.assignee,
            follow_up_at: new.follow_up_at,
            appointment_at: new.appointment_at,
            expected_value: new.expected_value,
            source: new.source.unwrap_or(Source::Manual),
            touch: new.touch,
            last_touch: None,
            consent: new.consent,
            customer_id: None,
            converted_booking_id: None,
            stale: false,
            created_at: now,
            updated_at: now,
            version: 1,
            contact: ContactTask::default(),
        }
    }
}

/// Why a status change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("cannot move a lead from {from} to {to}")]
    NotAllowed {
        from: LeadStatus,
        to: LeadStatus,
        allowed: Vec<LeadStatus>,
    },
    #[error("a lost lead needs a reason")]
    ReasonRequired,
}

/// A status change as recorded: an insert-only event beside the lead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StatusEvent {
    pub id: String,
    pub lead_id: String,
    #[schema(required)]
    pub from: Option<LeadStatus>,
    pub to: LeadStatus,
    /// Who changed it: a user's `sub`, or `system`.
    pub actor: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
}

/// Checks a requested status change and returns the lead as it will be after it.
pub fn transition(
    lead: &Lead,
    to: LeadStatus,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Lead, TransitionError> {
    if !lead.status.can_move_to(to) {
        return Err(TransitionError::NotAllowed {
            from: lead.status,
            to,
            allowed: lead.status.allowed_next().to_vec(),
        });
    }
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if to == LeadStatus::Lost && reason.is_none() {
        return Err(TransitionError::ReasonRequired);
    }
    let mut next = lead.clone();
    next.status = to;
    next.lost_reason = if to == LeadStatus::Lost {
        reason.map(str::to_owned)
    } else {
        None
    };
    // A lead that is no longer open cannot be stale; one reopened starts fresh.
    next.stale = false;
    next.updated_at = now;
    next.version = lead.version + 1;
    Ok(next)
}

/// Lead ids are ULIDs; anything else cannot name a lead.
pub fn is_lead_id(id: &str) -> bool {
    id.len() == 26 && ulid::Ulid::from_string(id).is_ok()
}

/// A note staff wrote on a lead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Note {
    pub id: String,
    pub lead_id: String,
    pub body: String,
    pub author: String,
    pub created_at: DateTime<Utc>,
}

/// Fields staff may edit (DESIGN §2.1). `Some(None)` clears an optional field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LeadPatch {
    pub name: Option<String>,
    pub email: Option<Option<String>>,
    pub phone: Option<(String, String)>,
    pub service: Option<Option<String>>,
    pub assignee: Option<Option<String>>,
    pub follow_up_at: Option<Option<DateTime<Utc>>>,
    pub appointment_at: Option<Option<DateTime<Utc>>>,
    pub expected_value: Option<i64>,
}

impl LeadPatch {
    /// The lead with the fields given changed, at its next version.
    pub fn apply(&self, lead: &Lead, now: DateTime<Utc>) -> Lead {
        let mut next = lead.clone();
        if let Some(v) = &self.name {
            next.name = v.clone();
        }
        if let Some(v) = &self.email {
            next.email = v.clone();
        }
        if let Some((e164, raw)) = &self.phone {
            next.phone = e164.clone();
            next.phone_raw = raw.clone();
        }
        if let Some(v) = &self.service {
            next.service = v.clone();
        }
        if let Some(v) = &self.assignee {
            next.assignee = v.clone();
        }
        if let Some(v) = self.follow_up_at {
            next.follow_up_at = v;
        }
        if let Some(v) = self.appointment_at {
            next.appointment_at = v;
        }
        if let Some(v) = self.expected_value {
            next.expected_value = v;
        }
        next.updated_at = now;
        next.version = lead.version + 1;
        next
    }
}

impl Lead {
    /// The lead's latest touch: its last capture, else the first.
    pub fn latest_touch(&self) -> LastTouch {
        self.last_touch
            .clone()
            .unwrap_or_else(|| LastTouch::of(self.source, &self.touch, self.created_at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use LeadStatus::*;

    fn at() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn lead(status: LeadStatus) -> Lead {
        let t = at();
        Lead {
            id: "01J".into(),
            tenant_id: "t".into(),
            name: "Ann".into(),
            phone: "+353871234567".into(),
            phone_raw: "087 123 4567".into(),
            email: None,
            service: None,
            message: None,
            status,
            lost_reason: None,
            assignee: None,
            follow_up_at: None,
            appointment_at: None,
            expected_value: 0,
            source: Source::Website,
            touch: Touch::default(),
            last_touch: None,
            consent: None,
            customer_id: None,
            converted_booking_id: None,
            stale: true,
            created_at: t,
            updated_at: t,
            version: 1,
            contact: Default::default(),
        }
    }

    /// Every (from, to) pair: exactly the arrows of DESIGN §2.1 are allowed.
    #[test]
    fn the_status_machine_allows_exactly_the_designed_arrows() {
        let allowed = [
            (New, Contacted),
            (New, FollowUp),
            (New, Booked),
            (New, Lost),
            (Contacted, FollowUp),
            (Contacted, Booked),
            (Contacted, Lost),
            (FollowUp, Contacted),
            (FollowUp, Booked),
            (FollowUp, Lost),
            (Booked, Won),
            (Booked, FollowUp),
            (Booked, Lost),
            (Lost, Contacted),
        ];
        for from in LeadStatus::ALL {
            for to in LeadStatus::ALL {
                let expected = allowed.contains(&(from, to));
                let got = transition(&lead(from), to, Some("price"), at());
                assert_eq!(got.is_ok(), expected, "{from} -> {to}");
                if let Err(TransitionError::NotAllowed { allowed: list, .. }) = got {
                    assert_eq!(list, from.allowed_next());
                }
            }
        }
    }

    #[test]
    fn won_is_terminal() {
        assert!(Won.allowed_next().is_empty());
    }

    #[test]
    fn lost_without_reason_is_refused() {
        assert_eq!(
            transition(&lead(New), Lost, None, at()),
            Err(TransitionError::ReasonRequired)
        );
        assert_eq!(
            transition(&lead(New), Lost, Some("  "), at()),
            Err(TransitionError::ReasonRequired)
        );
    }

    #[test]
    fn a_transition_bumps_the_version_clears_stale_and_keeps_the_reason_only_when_lost() {
        let lost = transition(&lead(Contacted), Lost, Some("too far"), at());
        let lost = lost.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(lost.version, 2);
        assert!(!lost.stale);
        assert_eq!(lost.lost_reason.as_deref(), Some("too far"));
        let reopened = transition(&lost, Contacted, None, at()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(reopened.lost_reason, None);
        assert_eq!(reopened.version, 3);
    }

    #[test]
    fn status_names_round_trip() {
        for s in LeadStatus::ALL {
            assert_eq!(LeadStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(LeadStatus::parse("nope"), None);
    }
}
