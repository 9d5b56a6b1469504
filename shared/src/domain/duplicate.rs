//! Possible duplicates (DESIGN §2.2). An exact phone or email links to the existing customer
//! (booking ingest, create). A partial match is kept as a pending pair for staff to review
//! (merge, keep both, ignore): the same name with a phone differing only in its last two
//! digits, or the same email local part at another domain. The design's bar for a pending
//! pair is 0.75.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::customer::Customer;

/// Score of the same name with a phone differing only in its last two digits.
pub const SAME_NAME_NEAR_PHONE: f64 = 0.9;
/// Score of the same email local part at another domain.
pub const SAME_EMAIL_LOCAL_PART: f64 = 0.8;

/// A pair staff should look at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DuplicatePair {
    pub id: String,
    /// The customer who was there first.
    pub existing_id: String,
    /// The customer just made.
    pub new_id: String,
    pub score: f64,
    pub reasons: Vec<String>,
    /// `pending` until reviewed; then `merged`, `kept_both` or `ignored` (`merging` while a
    /// merge runs).
    pub status: String,
    pub created_at: DateTime<Utc>,
    /// Who reviewed it, and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub resolved_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub resolved_at: Option<DateTime<Utc>>,
    /// The customer a merge kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub kept_id: Option<String>,
}

/// How a customer matches a new one: the best score of the rules it meets, and their reasons.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub score: f64,
    pub reasons: Vec<String>,
}

/// Where candidates of `new` are found: the search-token prefixes to look up (`local@` of
/// each email with a local part of two or more characters; all but the last two digits of
/// each phone when the customer has a name).
pub fn probes(new: &Customer) -> Vec<String> {
    let mut out = Vec::new();
    for email in &new.emails {
        if let Some((local, _)) = email.split_once('@') {
            if local.chars().count() >= 2 {
                out.push(format!("{local}@"));
            }
        }
    }
    if !new.name.trim().is_empty() {
        out.extend(new.phones.iter().filter_map(|p| phone_stem(p)));
    }
    out
}

/// The digits of a phone but its last two, when it has eight or more.
fn phone_stem(phone: &str) -> Option<String> {
    let digits = digits(phone);
    (digits.len() >= 8).then(|| digits[..digits.len() - 2].to_owned())
}

fn digits(phone: &str) -> String {
    phone.chars().filter(char::is_ascii_digit).collect()
}

/// How `theirs` matches `new`, if it does by any rule.
pub fn score(new: &Customer, theirs: &Customer) -> Option<Match> {
    let mut matched: Option<Match> = None;
    let mut note = |score: f64, reason: &str| {
        let m = matched.get_or_insert(Match {
            score,
            reasons: Vec::new(),
        });
        m.score = f64::max(m.score, score);
        if !m.reasons.iter().any(|r| r == reason) {
            m.reasons.push(reason.to_owned());
        }
    };
    for email in &new.emails {
        if let Some((local, domain)) = email.split_once('@') {
            let same_local_elsewhere = theirs.emails.iter().any(|e| {
                e.starts_with(&format!("{local}@")) && !e.ends_with(&format!("@{domain}"))
            });
            if local.chars().count() >= 2 && same_local_elsewhere {
                note(SAME_EMAIL_LOCAL_PART, "same email local part");
            }
        }
    }
    let name = new.name.trim().to_lowercase();
    if !name.is_empty() && theirs.name.trim().to_lowercase() == name {
        for phone in &new.phones {
            let Some(stem) = phone_stem(phone) else {
                continue;
            };
            let mine = digits(phone);
            if theirs.phones.iter().any(|p| {
                let d = digits(p);
                d.starts_with(&stem) && d != mine
            }) {
                note(
                    SAME_NAME_NEAR_PHONE,
                    "same name, phone differs in the last digits",
                );
            }
        }
    }
    matched
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::domain::booking::Contact;

    fn customer(id: &str, name: &str, phone: &str, email: &str) -> Customer {
        let contact = Contact {
            name: Some(name.into()),
            phone: Some(phone.into()),
            email: Some(email.into()),
        };
        Customer::new(id.into(), "t", &contact, None, DateTime::<Utc>::default())
    }

    #[test]
    fn the_same_name_with_a_near_phone_or_the_same_email_name_elsewhere_is_a_candidate() {
        let new = customer("N", "Ann Murphy", "+353871234567", "ann.murphy@gmail.com");
        assert_eq!(
            probes(&new),
            ["ann.murphy@".to_owned(), "3538712345".to_owned()]
        );
        let near = customer("A", "ann murphy ", "+353871234599", "x@y.ie");
        assert_eq!(
            score(&new, &near).map(|m| m.score),
            Some(SAME_NAME_NEAR_PHONE)
        );
        let other_domain = customer("B", "Someone", "+353860000000", "ann.murphy@work.ie");
        assert_eq!(
            score(&new, &other_domain).map(|m| m.score),
            Some(SAME_EMAIL_LOCAL_PART)
        );
        let both = customer("C", "Ann Murphy", "+353871234500", "ann.murphy@work.ie");
        let m = score(&new, &both).unwrap_or(Match {
            score: 0.0,
            reasons: Vec::new(),
        });
        assert_eq!(
            m.score, SAME_NAME_NEAR_PHONE,
            "the best score of the rules met"
        );
        assert_eq!(m.reasons.len(), 2);
        let stranger = customer("D", "Bob Byrne", "+353871234599", "ann.murphy@gmail.com");
        assert_eq!(
            score(&new, &stranger),
            None,
            "another name; the very same email is exact, not partial"
        );
    }
}
