//! Field-level validation errors, collected so a 422 names every bad field at once.

use serde::Serialize;
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub reason: String,
}

/// Collects field errors while reading an input.
#[derive(Debug, Default)]
pub struct Fields {
    pub errors: Vec<FieldError>,
}

impl Fields {
    pub fn error(&mut self, field: &str, reason: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.into(),
            reason: reason.into(),
        });
    }

    pub fn finish<T>(self, value: T) -> Result<T, Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(self.errors)
        }
    }

    /// Fails on any key of `input` not in `known` (strict schemas).
    pub fn reject_unknown(&mut self, input: &Map<String, Value>, known: &[&str]) {
        let mut unknown: Vec<&String> = input
            .keys()
            .filter(|k| !known.contains(&k.as_str()))
            .collect();
        unknown.sort();
        for k in unknown {
            self.error(k, "is not a known field");
        }
    }

    /// An optional text field: trimmed, empty → None, at most `max` characters, no control
    /// characters (newlines allowed when `multiline`).
    pub fn text(
        &mut self,
        input: &Map<String, Value>,
        field: &str,
        max: usize,
        multiline: bool,
    ) -> Option<String> {
        let value = input.get(field)?;
        let text = match value {
            Value::Null => return None,
            Value::String(s) => s.trim(),
            _ => {
                self.error(field, "must be a string");
                return None;
            }
        };
        if text.is_empty() {
            return None;
        }
        if text.chars().count() > max {
            self.error(field, format!("must be at most {max} characters"));
            return None;
        }
        let bad_control = text
            .chars()
            .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\r' || c == '\t')));
        if bad_control {
            self.error(field, "must not contain control characters");
            return None;
        }
        if contains_markup(text) {
            self.error(field, "must not contain HTML tags");
            return None;
        }
        Some(text.to_owned())
    }

    /// A required single-line text field.
    /// An optional text a patch may clear: absent → `None` (unchanged); JSON null or an
    /// empty text → `Some(None)` (cleared); a bad text → `None` with its error.
    pub fn clearable_text(
        &mut self,
        input: &Map<String, Value>,
        field: &str,
        max: usize,
    ) -> Option<Option<String>> {
        let before = self.errors.len();
        let text = match input.get(field)? {
            Value::Null => None,
            _ => self.text(input, field, max, false),
        };
        (self.errors.len() == before).then_some(text)
    }

    pub fn required_text(
        &mut self,
        input: &Map<String, Value>,
        field: &str,
        max: usize,
    ) -> Option<String> {
        self.required(input, field, max, false)
    }

    /// A required text field that may span lines (notes, messages).
    pub fn required_paragraph(
        &mut self,
        input: &Map<String, Value>,
        field: &str,
        max: usize,
    ) -> Option<String> {
        self.required(input, field, max, true)
    }

    fn required(
        &mut self,
        input: &Map<String, Value>,
        field: &str,
        max: usize,
        multiline: bool,
    ) -> Option<String> {
        let before = self.errors.len();
        let value = self.text(input, field, max, multiline);
        if value.is_none() && self.errors.len() == before {
            self.error(field, "is required");
        }
        value
    }

    /// An optional email, lowercased.
    pub fn email(&mut self, input: &Map<String, Value>, field: &str) -> Option<String> {
        let text = self.text(input, field, 254, false)?.to_lowercase();
        if is_plausible_email(&text) {
            Some(text)
        } else {
            self.error(field, "is not an email address");
            None
        }
    }

    /// A required email, lowercased ("is required" when missing or empty).
    pub fn required_email(&mut self, input: &Map<String, Value>, field: &str) -> Option<String> {
        let before = self.errors.len();
        let email = self.email(input, field);
        if email.is_none() && self.errors.len() == before {
            self.error(field, "is required");
        }
        email
    }

    /// An optional boolean; forms send `on`, `true`, `1`, `yes`.
    pub fn flag(&mut self, input: &Map<String, Value>, field: &str) -> Option<bool> {
        match input.get(field)? {
            Value::Null => None,
            Value::Bool(b) => Some(*b),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "on" | "true" | "1" | "yes" => Some(true),
                "off" | "false" | "0" | "no" | "" => Some(false),
                _ => {
                    self.error(field, "must be true or false");
                    None
                }
            },
            _ => {
                self.error(field, "must be true or false");
                None
            }
        }
    }
}

/// Whether text holds something a browser would read as markup: `<` before a letter, `/`,
/// `!` or `?` (a tag, comment or declaration). "5 < 6" and "<3" stay allowed.
pub fn contains_markup(text: &str) -> bool {
    text.as_bytes()
        .windows(2)
        .any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || matches!(w[1], b'/' | b'!' | b'?')))
}

/// A light check: one `@`, a non-empty local part, a dotted domain, no spaces.
pub fn is_plausible_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn every_bad_field_is_named() {
        let input = map(json!({"name": 5, "email": "nope", "x": "1"}));
        let mut f = Fields::default();
        f.reject_unknown(&input, &["name", "email", "phone"]);
        f.text(&input, "name", 10, false);
        f.email(&input, "email");
        f.required_text(&input, "phone", 10);
        let fields: Vec<_> = f.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["x", "name", "email", "phone"]);
    }

    #[test]
    fn markup_is_refused_but_angle_brackets_in_prose_are_not() {
        for bad in [
            "<script>x</script>",
            "Ann <b>",
            "a</p>",
            "<!-- x -->",
            "<?php",
        ] {
            assert!(contains_markup(bad), "{bad}");
        }
        for ok in ["5 < 6", "I <3 spas", "a > b", "<", ""] {
            assert!(!contains_markup(ok), "{ok}");
        }
        let mut f = Fields::default();
        assert_eq!(
            f.text(&map(json!({"n": "<img src=x>"})), "n", 100, false),
            None
        );
        assert_eq!(f.errors.len(), 1);
    }

    #[test]
    fn emails_are_lowercased_and_checked() {
        let mut f = Fields::default();
        assert_eq!(
            f.email(&map(json!({"e": " Ann@Example.IE "})), "e"),
            Some("ann@example.ie".into())
        );
        for bad in ["a@b", "@b.ie", "a b@c.ie", "a@@b.ie"] {
            assert!(!is_plausible_email(bad), "{bad}");
        }
    }

    #[test]
    fn a_clearable_text_is_unchanged_when_absent_and_cleared_by_null_or_empty() {
        let mut f = Fields::default();
        let input = map(json!({"a": null, "b": "  ", "c": " kept ", "d": 7, "e": "too long"}));
        assert_eq!(f.clearable_text(&input, "missing", 10), None);
        assert_eq!(f.clearable_text(&input, "a", 10), Some(None));
        assert_eq!(f.clearable_text(&input, "b", 10), Some(None));
        assert_eq!(f.clearable_text(&input, "c", 10), Some(Some("kept".into())));
        assert!(f.errors.is_empty());
        assert_eq!(f.clearable_text(&input, "d", 10), None);
        assert_eq!(f.clearable_text(&input, "e", 3), None);
        let fields: Vec<&str> = f.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["d", "e"]);
    }
}
