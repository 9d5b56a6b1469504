//! Reading the editable customer fields of `POST /customers` and `PATCH /customers/{id}`.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use crm_shared::domain::customer::Profile;
use crm_shared::domain::phone;
use crm_shared::domain::source::Source;
use crm_shared::domain::validation::{is_plausible_email, FieldError, Fields};
use serde_json::{Map, Value};

pub const PROFILE_FIELDS: &[&str] = &[
    "name",
    "phone",
    "phones",
    "email",
    "emails",
    "date_of_birth",
    "gender",
    "address",
    "company",
    "preferred_language",
    "marketing_consent",
    "source",
];

/// A tag as staff type it: trimmed, 1–40 characters, no `#` or control characters.
pub fn tag(text: &str) -> Result<String, String> {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > 40 {
        return Err("must be 1 to 40 characters".into());
    }
    if t.contains('#') || t.chars().any(char::is_control) || t.contains('/') {
        return Err("must not contain #, / or control characters".into());
    }
    Ok(t.to_lowercase())
}

fn phones(f: &mut Fields, input: &Map<String, Value>, region: &str) -> Option<Vec<String>> {
    let mut raw: Vec<(String, String)> = Vec::new();
    match input.get("phones") {
        None => {}
        Some(Value::Array(items)) => {
            for (i, v) in items.iter().enumerate() {
                match v.as_str() {
                    Some(s) => raw.push((format!("phones[{i}]"), s.to_owned())),
                    None => f.error(&format!("phones[{i}]"), "must be a string"),
                }
            }
        }
        Some(_) => f.error("phones", "must be an array of phone numbers"),
    }
    if let Some(p) = f.text(input, "phone", 32, false) {
        raw.insert(0, ("phone".into(), p));
    }
    if raw.is_empty() && !input.contains_key("phones") {
        return None;
    }
    let mut out = Vec::new();
    for (field, text) in raw {
        match phone::normalize(&text, region) {
            Ok(p) if !out.contains(&p) => out.push(p),
            Ok(_) => {}
            Err(e) => f.error(&field, e.to_string()),
        }
    }
    Some(out)
}

fn emails(f: &mut Fields, input: &Map<String, Value>) -> Option<Vec<String>> {
    let mut raw: Vec<(String, String)> = Vec::new();
    match input.get("emails") {
        None => {}
        Some(Value::Array(items)) => {
            for (i, v) in items.iter().enumerate() {
                match v.as_str() {
                    Some(s) => raw.push((format!("emails[{i}]"), s.trim().to_lowercase())),
                    None => f.error(&format!("emails[{i}]"), "must be a string"),
                }
            }
        }
        Some(_) => f.error("emails", "must be an array of email addresses"),
    }
    if let Some(e) = f.email(input, "email") {
        raw.insert(0, ("email".into(), e));
    }
    if raw.is_empty() && !input.contains_key("emails") {
        return None;
    }
    let mut out = Vec::new();
    for (field, text) in raw {
        if field != "email" && (!is_plausible_email(&text) || text.len() > 254) {
            f.error(&field, "is not an email address");
        } else if !out.contains(&text) {
            out.push(text);
        }
    }
    Some(out)
}

/// Reads a profile. Creating needs a name and a phone or an email; tags only on create.
pub fn read_profile(
    input: &Map<String, Value>,
    region: &str,
    creating: bool,
) -> Result<(Profile, BTreeSet<String>), Vec<FieldError>> {
    let mut f = Fields::default();
    let mut known: Vec<&str> = PROFILE_FIELDS.to_vec();
    if creating {
        known.push("tags");
    }
    f.reject_unknown(input, &known);
    let name = if creating {
        f.required_text(input, "name", 200)
    } else if input.get("name").is_some_and(Value::is_null) {
        f.error("name", "cannot be removed");
        None
    } else {
        f.text(input, "name", 200, false)
    };
    let phones = phones(&mut f, input, region);
    let emails = emails(&mut f, input);
    let date_of_birth = match input.get("date_of_birth") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(s)) => match NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
            Ok(d) => Some(Some(d)),
            Err(_) => {
                f.error("date_of_birth", "must be a date like 1990-04-30");
                None
            }
        },
        Some(_) => {
            f.error("date_of_birth", "must be a date like 1990-04-30");
            None
        }
    };
    let gender = f.clearable_text(input, "gender", 40);
    let address = f.clearable_text(input, "address", 500);
    let company = f.clearable_text(input, "company", 200);
    let preferred_language = f.clearable_text(input, "preferred_language", 20);
    let marketing_consent = f.flag(input, "marketing_consent");
    let source = match input.get("source") {
        None | Some(Value::Null) => None,
        Some(v) => {
            let parsed = v.as_str().and_then(Source::parse);
            if parsed.is_none() {
                f.error(
                    "source",
                    format!(
                        "must be one of {}",
                        Source::ALL.map(Source::as_str).join(", ")
                    ),
                );
            }
            parsed
        }
    };
    let mut tags = BTreeSet::new();
    if creating {
        match input.get("tags") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for (i, v) in items.iter().enumerate() {
                    match v.as_str().map(tag) {
                        Some(Ok(t)) => {
                            tags.insert(t);
                        }
                        Some(Err(reason)) => f.error(&format!("tags[{i}]"), reason),
                        None => f.error(&format!("tags[{i}]"), "must be a string"),
                    }
                }
            }
            Some(_) => f.error("tags", "must be an array of strings"),
        }
        let has_contact = phones.as_ref().is_some_and(|p| !p.is_empty())
            || emails.as_ref().is_some_and(|e| !e.is_empty());
        if !has_contact && f.errors.is_empty() {
            f.error("phone", "a phone or an email is required");
        }
    }
    f.finish((
        Profile {
            name,
            phones,
            emails,
            date_of_birth,
            gender,
            address,
            company,
            preferred_language,
            marketing_consent,
            source,
        },
        tags,
    ))
}
