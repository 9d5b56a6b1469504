//! Reading the editable lead fields of `POST /leads` and `PATCH /leads/{id}`.

use chrono::{DateTime, Utc};
use crm_shared::domain::lead::LeadPatch;
use crm_shared::domain::lead::NewLead;
use crm_shared::domain::phone;
use crm_shared::domain::source::Source;
use crm_shared::domain::validation::{FieldError, Fields};
use serde_json::{Map, Value};

/// Largest expected value accepted, in minor units (100 million in major units).
const MAX_VALUE: i64 = 10_000_000_000;

pub const PATCH_FIELDS: &[&str] = &[
    "name",
    "email",
    "phone",
    "service",
    "assignee",
    "follow_up_at",
    "appointment_at",
    "expected_value",
];

/// An optional date-time (RFC 3339); JSON null clears it.
fn date(f: &mut Fields, input: &Map<String, Value>, field: &str) -> Option<Option<DateTime<Utc>>> {
    match input.get(field)? {
        Value::Null => Some(None),
        Value::String(s) => match DateTime::parse_from_rfc3339(s.trim()) {
            Ok(t) => Some(Some(t.with_timezone(&Utc))),
            Err(_) => {
                f.error(
                    field,
                    "must be an RFC 3339 date-time, e.g. 2026-11-23T15:00:00Z",
                );
                None
            }
        },
        _ => {
            f.error(field, "must be an RFC 3339 date-time string or null");
            None
        }
    }
}

/// Expected value in minor units: a whole number from 0.
pub fn money(f: &mut Fields, input: &Map<String, Value>, field: &str) -> Option<i64> {
    match input.get(field)? {
        Value::Null => Some(0),
        Value::Number(n) => match n.as_i64() {
            Some(v) if (0..=MAX_VALUE).contains(&v) => Some(v),
            _ => {
                f.error(
                    field,
                    format!("must be a whole number of cents from 0 to {MAX_VALUE}"),
                );
                None
            }
        },
        _ => {
            f.error(field, "must be a whole number of cents");
            None
        }
    }
}

/// Reads a patch; every bad field is reported.
pub fn read_patch(input: &Map<String, Value>, region: &str) -> Result<LeadPatch, Vec<FieldError>> {
    let mut f = Fields::default();
    f.reject_unknown(input, PATCH_FIELDS);
    let name = match input.get("name") {
        None => None,
        Some(_) => f.required_text(input, "name", 100),
    };
    let email = match input.get("email") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(_) => {
            let before = f.errors.len();
            let v = f.email(input, "email");
            (f.errors.len() == before).then_some(v)
        }
    };
    let phone = match input.get("phone") {
        None => None,
        Some(_) => f.required_text(input, "phone", 32).and_then(|raw| {
            match phone::normalize(&raw, region) {
                Ok(e164) => Some((e164, raw)),
                Err(e) => {
                    f.error("phone", e.to_string());
                    None
                }
            }
        }),
    };
    let patch = LeadPatch {
        name,
        email,
        phone,
        service: f.clearable_text(input, "service", 100),
        assignee: f.clearable_text(input, "assignee", 100),
        follow_up_at: date(&mut f, input, "follow_up_at"),
        appointment_at: date(&mut f, input, "appointment_at"),
        expected_value: money(&mut f, input, "expected_value"),
    };
    if patch == LeadPatch::default() && f.errors.is_empty() {
        f.error(
            "body",
            format!("must change at least one of {}", PATCH_FIELDS.join(", ")),
        );
    }
    f.finish(patch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: Value) -> Result<LeadPatch, Vec<FieldError>> {
        read_patch(v.as_object().unwrap_or(&Map::new()), "IE")
    }

    #[test]
    fn null_clears_and_values_set() {
        let p = read(
            json!({"assignee": null, "expected_value": 4500, "follow_up_at": "2026-11-24T09:00:00Z"}),
        );
        let p = p.unwrap_or_default();
        assert_eq!(p.assignee, Some(None));
        assert_eq!(p.expected_value, Some(4500));
        assert!(matches!(p.follow_up_at, Some(Some(_))));
    }

    #[test]
    fn bad_fields_are_each_named() {
        let errors = read(
            json!({"expected_value": -1, "follow_up_at": "soon", "phone": "x", "status": "won"}),
        )
        .err()
        .unwrap_or_default();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["status", "phone", "follow_up_at", "expected_value"]
        );
    }

    #[test]
    fn an_empty_patch_is_refused() {
        assert!(read(json!({})).is_err());
    }
}

/// Reads a new lead entered by staff: the patch fields, with name and phone required, plus
/// message and source (default `manual`).
pub fn read_new(input: &Map<String, Value>, region: &str) -> Result<NewLead, Vec<FieldError>> {
    let mut f = Fields::default();
    let mut editable = input.clone();
    let message = editable
        .remove("message")
        .map(|m| Map::from_iter([("message".to_owned(), m)]));
    let source = editable
        .remove("source")
        .map(|s| Map::from_iter([("source".to_owned(), s)]));
    let message = message.and_then(|m| f.text(&m, "message", 2000, true));
    let source = source.and_then(|s| {
        let text = f.text(&s, "source", 40, false)?;
        let parsed = Source::parse(&text);
        if parsed.is_none() {
            f.error("source", "is not a known source");
        }
        parsed
    });
    for required in ["name", "phone"] {
        if !editable.contains_key(required) {
            f.error(required, "is required");
        }
    }
    let patch = match read_patch(&editable, region) {
        Ok(p) => Some(p),
        Err(errors) => {
            f.errors
                .extend(errors.into_iter().filter(|e| e.field != "body"));
            None
        }
    };
    let Some(patch) = patch.filter(|_| f.errors.is_empty()) else {
        return Err(f.errors);
    };
    let (phone, phone_raw) = patch.phone.unwrap_or_default();
    f.finish(NewLead {
        name: patch.name.unwrap_or_default(),
        phone,
        phone_raw,
        email: patch.email.flatten(),
        service: patch.service.flatten(),
        message,
        source: Some(source.unwrap_or(Source::Manual)),
        assignee: patch.assignee.flatten(),
        expected_value: patch.expected_value.unwrap_or(0),
        follow_up_at: patch.follow_up_at.flatten(),
        appointment_at: patch.appointment_at.flatten(),
        ..NewLead::default()
    })
}

#[cfg(test)]
mod new_lead_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_new_lead_needs_name_and_phone_and_defaults_to_manual() {
        let ok = read_new(
            json!({"name": "Walk In", "phone": "0871112222", "expected_value": 4500})
                .as_object()
                .unwrap_or(&Map::new()),
            "IE",
        );
        let ok = ok.unwrap_or_default();
        assert_eq!(ok.phone, "+353871112222");
        assert_eq!(ok.source, Some(Source::Manual));
        assert_eq!(ok.expected_value, 4500);
        let missing = read_new(
            json!({"source": "tv"}).as_object().unwrap_or(&Map::new()),
            "IE",
        );
        let fields: Vec<_> = missing
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["source", "name", "phone"]);
    }
}
