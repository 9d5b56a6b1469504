//! Text messages (DESIGN §2.4): kinds, statuses, templates and their variables, and the
//! keywords by which a recipient opts out and back in.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use serde::{Deserialize, Serialize};

/// Why a text is sent. Marketing kinds need the customer's consent; the others answer the
/// customer's own contact or visit (transactional), so they need only that the number has
/// not opted out.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// Follow-up to a lead's own request.
    FollowUp,
    /// Missed-call recovery: the caller tried to reach the business.
    MissedCall,
    /// Asking for a review after a completed visit.
    ReviewRequest,
    /// Written by staff to one customer.
    Manual,
    /// A greeting for a milestone (marketing).
    Milestone,
}

impl MessageKind {
    pub const ALL: [MessageKind; 5] = [
        MessageKind::FollowUp,
        MessageKind::MissedCall,
        MessageKind::ReviewRequest,
        MessageKind::Manual,
        MessageKind::Milestone,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::FollowUp => "follow_up",
            MessageKind::MissedCall => "missed_call",
            MessageKind::ReviewRequest => "review_request",
            MessageKind::Manual => "manual",
            MessageKind::Milestone => "milestone",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// Whether the customer must have consented to marketing texts.
    pub fn needs_consent(self) -> bool {
        matches!(self, MessageKind::Milestone)
    }

    /// The built-in template (a tenant's `templates` override it).
    pub fn default_template(self) -> &'static str {
        match self {
            MessageKind::FollowUp => {
                "Hi {first_name}, thanks for your interest in {business}! Book your visit here: {booking_url}"
            }
            MessageKind::MissedCall => {
                "Hi {first_name}, sorry we missed your call at {business}. Reply here or book online: {booking_url}"
            }
            MessageKind::ReviewRequest => {
                "Thanks for visiting {business}, {first_name}! Would you leave us a quick review? {review_url}"
            }
            MessageKind::Manual => "{first_name}, a message from {business}.",
            MessageKind::Milestone => {
                "Congratulations {first_name}! Thank you for being with {business}."
            }
        }
    }
}

/// Where a message is (each change is on the customer's timeline).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    /// Waiting in the queue (perhaps for its time, or for quiet hours to end).
    Queued,
    /// Handed to the provider.
    Sent,
    /// The provider reported delivery.
    Delivered,
    /// The provider refused it, or it failed every attempt (it is in the dead-letter queue).
    Failed,
    /// Not sent on purpose: opted out, no consent, already requested, handled meanwhile.
    Skipped,
}

impl MessageStatus {
    /// Delivered, failed or skipped: where a text ends. A delivery report never moves a text
    /// out of one (a late or repeated "failed" after "delivered" is history, not news).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            MessageStatus::Delivered | MessageStatus::Failed | MessageStatus::Skipped
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Queued => "queued",
            MessageStatus::Sent => "sent",
            MessageStatus::Delivered => "delivered",
            MessageStatus::Failed => "failed",
            MessageStatus::Skipped => "skipped",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            MessageStatus::Queued,
            MessageStatus::Sent,
            MessageStatus::Delivered,
            MessageStatus::Failed,
            MessageStatus::Skipped,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// The variables a template may use.
pub const VARIABLES: [&str; 5] = [
    "first_name",
    "name",
    "business",
    "booking_url",
    "review_url",
];

/// Longest text accepted (10 SMS segments of 160 GSM characters).
pub const MAX_BODY_CHARS: usize = 1_600;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("unknown variable {{{0}}}; use {vars}", vars = VARIABLES.join(", "))]
    UnknownVariable(String),
    #[error("a `{{` is not closed")]
    Unclosed,
    #[error("the text is empty")]
    Empty,
    #[error("the text is longer than {MAX_BODY_CHARS} characters")]
    TooLong,
}

/// Fills `{variable}`s in; a variable without a value becomes empty. Unknown variables and
/// unclosed braces are refused (settings check templates with this before saving them).
pub fn render(template: &str, values: &BTreeMap<&str, String>) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or(TemplateError::Unclosed)?;
        let name = after[..close].trim();
        if !VARIABLES.contains(&name) {
            return Err(TemplateError::UnknownVariable(name.to_owned()));
        }
        out.push_str(values.get(name).map(String::as_str).unwrap_or_default());
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    let out = out.trim().to_owned();
    if out.is_empty() {
        return Err(TemplateError::Empty);
    }
    if out.chars().count() > MAX_BODY_CHARS {
        return Err(TemplateError::TooLong);
    }
    Ok(out)
}

/// Checks a template as `render` would read it.
pub fn check_template(template: &str) -> Result<(), TemplateError> {
    let sample: BTreeMap<&str, String> = VARIABLES.iter().map(|v| (*v, "x".to_owned())).collect();
    render(template, &sample).map(|_| ())
}

/// The first word of a name.
pub fn first_name(name: &str) -> String {
    name.split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// What an inbound text asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    /// Stop all texts.
    Stop,
    /// Start them again.
    Start,
}

/// The carrier-standard keywords (CTIA; Twilio's defaults): the whole message, any case.
pub fn keyword(body: &str) -> Option<Keyword> {
    let word = body.trim().trim_end_matches(['.', '!']).to_uppercase();
    match word.as_str() {
        "STOP" | "STOPALL" | "UNSUBSCRIBE" | "CANCEL" | "END" | "QUIT" | "OPTOUT" | "REVOKE" => {
            Some(Keyword::Stop)
        }
        "START" | "UNSTOP" | "YES" | "OPTIN" => Some(Keyword::Start),
        _ => None,
    }
}

/// A text to a customer or lead, with its status (DESIGN §2.4). Its id is its business key
/// (`review-<customer>-<booking>` for the review request of one visit, a ULID for one
/// written by hand), so the same work queued twice is one message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Message {
    pub id: String,
    pub tenant_id: String,
    pub kind: MessageKind,
    /// E.164.
    pub to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub customer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub lead_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub missed_call_id: Option<String>,
    pub body: String,
    pub status: MessageStatus,
    /// Why it failed or was skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub reason: Option<String>,
    /// The provider's id of the sent text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub provider_id: Option<String>,
    /// Not sent before this instant (a delay, or the end of quiet hours).
    pub not_before: DateTime<Utc>,
    /// Who asked for it: a user's `sub`, or `system`.
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub sent_at: Option<DateTime<Utc>>,
    /// When a sender claimed it to send: another sender leaves it alone while the claim is
    /// fresh (`send_sms`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub claimed_at: Option<DateTime<Utc>>,
    pub version: u64,
}

/// At most one review request per customer in this many days (DESIGN §2.4).
pub const REVIEW_REQUEST_EVERY_DAYS: i64 = 90;

/// Whether a customer last asked for a review at `last` may be asked again at `now`:
/// `Err(last)` while that request is less than 90 days old.
pub fn review_allowed(
    last: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), DateTime<Utc>> {
    match last {
        Some(at) if now - at < chrono::Duration::days(REVIEW_REQUEST_EVERY_DAYS) => Err(at),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> BTreeMap<&'static str, String> {
        BTreeMap::from([
            ("first_name", "Aoife".to_owned()),
            ("business", "Glow Spa".to_owned()),
            ("review_url", "https://g.page/r/glow".to_owned()),
        ])
    }

    #[test]
    fn templates_fill_known_variables_and_refuse_unknown_ones() {
        assert_eq!(
            render(MessageKind::ReviewRequest.default_template(), &values()),
            Ok("Thanks for visiting Glow Spa, Aoife! Would you leave us a quick review? https://g.page/r/glow".into())
        );
        assert_eq!(
            render("Hi {first_name}, {booking_url}", &values()),
            Ok("Hi Aoife,".into()),
            "a variable without a value is empty"
        );
        assert_eq!(
            render("Hi {firstname}", &values()),
            Err(TemplateError::UnknownVariable("firstname".into()))
        );
        assert_eq!(
            render("Hi {first_name", &values()),
            Err(TemplateError::Unclosed)
        );
        assert_eq!(
            render("{booking_url}", &values()),
            Err(TemplateError::Empty)
        );
        assert_eq!(
            check_template(&"x".repeat(1_601)),
            Err(TemplateError::TooLong)
        );
        for kind in MessageKind::ALL {
            assert_eq!(check_template(kind.default_template()), Ok(()), "{kind:?}");
        }
    }

    #[test]
    fn stop_and_start_keywords_are_whole_messages_in_any_case() {
        for stop in [
            "STOP",
            "stop",
            " Stop. ",
            "unsubscribe",
            "Cancel",
            "QUIT",
            "end",
        ] {
            assert_eq!(keyword(stop), Some(Keyword::Stop), "{stop}");
        }
        for start in ["START", "unstop", "Yes"] {
            assert_eq!(keyword(start), Some(Keyword::Start), "{start}");
        }
        for other in ["please stop calling", "stopped", "", "hello"] {
            assert_eq!(keyword(other), None, "{other}");
        }
    }

    #[test]
    fn only_marketing_kinds_need_consent() {
        let needing: Vec<_> = MessageKind::ALL
            .into_iter()
            .filter(|k| k.needs_consent())
            .collect();
        assert_eq!(needing, [MessageKind::Milestone]);
        assert_eq!(
            MessageKind::parse("review_request"),
            Some(MessageKind::ReviewRequest)
        );
        assert_eq!(MessageStatus::parse("sent"), Some(MessageStatus::Sent));
    }

    #[test]
    fn a_review_is_asked_at_most_once_in_ninety_days() {
        let at = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.to_utc())
                .unwrap_or_default()
        };
        let last = at("2026-01-01T10:00:00Z");
        assert_eq!(review_allowed(None, last), Ok(()), "never asked");
        assert_eq!(
            review_allowed(Some(last), at("2026-03-31T09:59:59Z")),
            Err(last),
            "89 days and 23:59:59 later"
        );
        assert_eq!(
            review_allowed(Some(last), at("2026-04-01T10:00:00Z")),
            Ok(())
        );
    }
}
