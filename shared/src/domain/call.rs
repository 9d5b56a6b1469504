//! Calls the telephony / voice agent reports (DESIGN §1, §3 integrations): what a call is,
//! whether it was missed, and reading one from a webhook body.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::domain::phone;
use crate::domain::validation::{FieldError, Fields};

/// How a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallStatus {
    Answered,
    Missed,
    /// The caller left a voicemail: nobody spoke to them, so it is missed too.
    Voicemail,
}

impl CallStatus {
    pub const ALL: [CallStatus; 3] = [
        CallStatus::Answered,
        CallStatus::Missed,
        CallStatus::Voicemail,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CallStatus::Answered => "answered",
            CallStatus::Missed => "missed",
            CallStatus::Voicemail => "voicemail",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether the caller goes into the recovery queue.
    pub fn is_missed(self) -> bool {
        !matches!(self, CallStatus::Answered)
    }
}

/// A call as the telephony system reported it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    /// The telephony system's id: the same call reported twice is recorded once.
    pub call_id: String,
    /// The caller, E.164.
    pub from: String,
    /// The number called, as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    pub status: CallStatus,
    /// When the call started (when it was received, if the sender did not say).
    pub started_at: DateTime<Utc>,
    #[serde(default)]
    pub duration_seconds: u32,
    /// The caller's name, if the telephony system knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// The fields a call webhook may carry.
pub const CALL_FIELDS: &[&str] = &[
    "call_id",
    "from",
    "to",
    "status",
    "started_at",
    "duration_seconds",
    "name",
];

/// Longest call accepted (a day).
pub const MAX_DURATION_SECS: u64 = 86_400;

/// Reads a call webhook body; the caller's number is normalised with `region`, and a call
/// without `started_at` started at `received_at`.
pub fn read_call(
    input: &Map<String, Value>,
    region: &str,
    received_at: DateTime<Utc>,
) -> Result<Call, Vec<FieldError>> {
    let mut f = Fields::default();
    f.reject_unknown(input, CALL_FIELDS);
    let call_id = f.required_text(input, "call_id", 100);
    if call_id.as_deref().is_some_and(|c| c.contains('#')) {
        f.error("call_id", "must not contain #");
    }
    let from =
        f.required_text(input, "from", 32)
            .and_then(|raw| match phone::normalize(&raw, region) {
                Ok(e164) => Some(e164),
                Err(e) => {
                    f.error("from", e.to_string());
                    None
                }
            });
    let to = f.text(input, "to", 32, false);
    let status = f
        .required_text(input, "status", 20)
        .and_then(|s| match CallStatus::parse(&s) {
            Some(s) => Some(s),
            None => {
                f.error("status", "is not one of missed, answered, voicemail");
                None
            }
        });
    let started_at = match f.text(input, "started_at", 40, false) {
        None => Some(received_at),
        Some(t) => match DateTime::parse_from_rfc3339(&t) {
            Ok(d) => Some(d.with_timezone(&Utc)),
            Err(_) => {
                f.error("started_at", "must be an RFC 3339 date-time");
                None
            }
        },
    };
    let duration_seconds = match input.get("duration_seconds") {
        None | Some(Value::Null) => Some(0),
        Some(Value::Number(n)) => match n.as_u64() {
            Some(d) if d <= MAX_DURATION_SECS => u32::try_from(d).ok(),
            _ => {
                f.error(
                    "duration_seconds",
                    format!("must be a whole number from 0 to {MAX_DURATION_SECS}"),
                );
                None
            }
        },
        Some(_) => {
            f.error(
                "duration_seconds",
                format!("must be a whole number from 0 to {MAX_DURATION_SECS}"),
            );
            None
        }
    };
    let name = f.text(input, "name", 200, false);
    match (call_id, from, status, started_at, duration_seconds) {
        (Some(call_id), Some(from), Some(status), Some(started_at), Some(duration_seconds)) => f
            .finish(Call {
                call_id,
                from,
                to,
                status,
                started_at,
                duration_seconds,
                name,
            }),
        _ => Err(f.errors),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MissedCallStatus {
    Open,
    Handled,
}

impl MissedCallStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MissedCallStatus::Open => "open",
            MissedCallStatus::Handled => "handled",
        }
    }
}

/// The call statuses a missed call can have: every one but `answered`.
fn missed_call_status() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(
            CallStatus::ALL
                .iter()
                .filter(|s| s.is_missed())
                .map(|s| s.as_str()),
        ))
        .build()
}

/// A caller the business did not speak to, waiting to be called or texted back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MissedCall {
    pub id: String,
    pub tenant_id: String,
    pub call_id: String,
    pub customer_id: String,
    /// E.164.
    pub phone: String,
    #[serde(default)]
    #[schema(required)]
    pub name: String,
    /// When the call came.
    pub at: DateTime<Utc>,
    /// `missed` or `voicemail`.
    #[schema(schema_with = missed_call_status)]
    pub call_status: CallStatus,
    pub status: MissedCallStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub handled_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub handled_at: Option<DateTime<Utc>>,
    /// The recovery text, once one was queued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub sms_message_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: Value) -> Result<Call, Vec<FieldError>> {
        let now = DateTime::from_timestamp(1_795_000_000, 0).unwrap_or_default();
        read_call(v.as_object().expect("object"), "IE", now)
    }

    fn fields(r: Result<Call, Vec<FieldError>>) -> Vec<String> {
        let mut f: Vec<String> = r
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect();
        f.sort();
        f
    }

    #[test]
    fn a_national_number_is_read_in_the_tenants_region_and_voicemail_is_missed() {
        let call = read(
            json!({"call_id": "c1", "from": "087 123 4567", "status": "voicemail",
            "started_at": "2026-11-15T12:00:00Z", "duration_seconds": 30, "name": "Ann"}),
        )
        .expect("call");
        assert_eq!(call.from, "+353871234567");
        assert!(call.status.is_missed() && !CallStatus::Answered.is_missed());
        assert_eq!(call.duration_seconds, 30);
    }

    #[test]
    fn every_bad_field_is_named() {
        assert_eq!(
            fields(read(
                json!({"call_id": "a#b", "from": "12", "status": "busy",
                "started_at": "yesterday", "duration_seconds": -1, "extra": 1})
            )),
            [
                "call_id",
                "duration_seconds",
                "extra",
                "from",
                "started_at",
                "status"
            ]
        );
        assert_eq!(fields(read(json!({}))), ["call_id", "from", "status"]);
    }
}
