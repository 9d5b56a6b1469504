//! Public lead capture: what a landing form may send and how it is read (DESIGN §2.1, §7).

use serde_json::{Map, Value};

use crate::domain::lead::NewLead;
use crate::domain::phone;
use crate::domain::source::{derive_source, Source, Touch};
use crate::domain::validation::{FieldError, Fields};

/// The hidden field bots fill in and people never see.
pub const HONEYPOT_FIELD: &str = "website";

pub const FIELDS: &[&str] = &[
    "name",
    "phone",
    "email",
    "service",
    "message",
    "consent",
    "source",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "fbclid",
    "gclid",
    "fbp",
    "referrer",
    "page_url",
    HONEYPOT_FIELD,
];

/// A capture that passed validation: the lead it makes, and what the form said about it.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureInput {
    /// Source always set (stated or derived); consent left for the caller, who knows when.
    pub lead: NewLead,
    /// The prospect ticked the SMS marketing consent box.
    pub consented: bool,
    /// True when the honeypot was filled: answer as usual, store nothing.
    pub is_bot: bool,
}

/// Reads a capture from its fields (JSON object or decoded form), normalising the phone
/// in `region`. Every invalid field is reported.
pub fn read_capture(
    input: &Map<String, Value>,
    region: &str,
) -> Result<CaptureInput, Vec<FieldError>> {
    let mut f = Fields::default();
    f.reject_unknown(input, FIELDS);
    let name = f.required_text(input, "name", 100);
    let phone_raw = f.required_text(input, "phone", 32);
    let phone = phone_raw
        .as_deref()
        .and_then(|raw| match phone::normalize(raw, region) {
            Ok(p) => Some(p),
            Err(e) => {
                f.error("phone", e.to_string());
                None
            }
        });
    let email = f.email(input, "email");
    let service = f.text(input, "service", 100, false);
    let message = f.text(input, "message", 2000, true);
    let consent = f.flag(input, "consent").unwrap_or(false);
    let stated_source = f.text(input, "source", 40, false).and_then(|s| {
        let parsed = Source::parse(&s);
        if parsed.is_none() {
            f.error("source", "is not a known source");
        }
        parsed
    });
    let mut touch = Touch {
        utm_source: f.text(input, "utm_source", 200, false),
        utm_medium: f.text(input, "utm_medium", 200, false),
        utm_campaign: f.text(input, "utm_campaign", 200, false),
        utm_term: f.text(input, "utm_term", 200, false),
        utm_content: f.text(input, "utm_content", 200, false),
        fbclid: f.text(input, "fbclid", 500, false),
        fbp: f.text(input, "fbp", 200, false),
        gclid: f.text(input, "gclid", 500, false),
        referrer: f.text(input, "referrer", 2000, false),
        page_url: f.text(input, "page_url", 2000, false),
        user_agent: None,
        ip: None,
    };
    // The honeypot may hold anything; it only has to be non-empty to mark a bot.
    let is_bot = match input.get(HONEYPOT_FIELD) {
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(Value::Null) | None => false,
        Some(_) => true,
    };
    touch.absorb_page_url_params();
    let source = stated_source.unwrap_or_else(|| derive_source(&touch));
    match (name, phone, phone_raw) {
        (Some(name), Some(phone), Some(phone_raw)) => f.finish(CaptureInput {
            lead: NewLead {
                name,
                phone,
                phone_raw,
                email,
                service,
                message,
                source: Some(source),
                touch,
                ..NewLead::default()
            },
            consented: consent,
            is_bot,
        }),
        _ => Err(f.errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: Value) -> Result<CaptureInput, Vec<FieldError>> {
        read_capture(v.as_object().unwrap_or(&Map::new()), "IE")
    }

    #[test]
    fn a_good_capture_is_normalised_and_attributed() {
        let c = read(
            json!({"name": " Ann ", "phone": "087 123 4567", "fbclid": "x1", "consent": "on"}),
        );
        let c = c.unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(c.lead.name, "Ann");
        assert_eq!(c.lead.phone, "+353871234567");
        assert_eq!(c.lead.phone_raw, "087 123 4567");
        assert_eq!(c.lead.source, Some(Source::MetaAd));
        assert!(c.consented);
        assert!(!c.is_bot);
    }

    #[test]
    fn missing_and_invalid_fields_are_all_reported() {
        let errors = read(json!({"email": "bad", "phone": "12", "source": "tv", "nope": 1}))
            .err()
            .unwrap_or_default();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["nope", "name", "phone", "email", "source"]);
    }

    #[test]
    fn a_filled_honeypot_marks_a_bot() {
        let c = read(json!({"name": "B", "phone": "0871234567", "website": "http://spam"}));
        assert!(c.map(|c| c.is_bot).unwrap_or(false));
    }

    #[test]
    fn a_stated_source_wins_over_derivation() {
        let c =
            read(json!({"name": "B", "phone": "0871234567", "source": "referral", "gclid": "g"}));
        assert_eq!(c.map(|c| c.lead.source).ok(), Some(Some(Source::Referral)));
    }
}
