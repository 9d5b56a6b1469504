//! Possible duplicates (DESIGN §2.2). An exact phone or email links to the existing customer
//! (booking ingest, create, import): two customers never share one, so "same phone" and "same
//! email" are links, not pairs. A partial match is kept as a pending pair for staff to review
//! (merge, keep both, ignore) when its score reaches [`PENDING_BAR`]:
//!
//! | rule                                                              | score |
//! |-------------------------------------------------------------------|-------|
//! | similar name, phone differing in one digit or in its last two      | 0.90  |
//! | similar name, same birthday                                       | 0.85  |
//! | same email local part at another domain                           | 0.80  |
//! | similar name, same email domain (a business's, not a mail service) | 0.80  |
//! | phone differing in one digit, names not similar                   | 0.60 (not kept) |
//!
//! "Similar name" compares names lowercased and without punctuation word by word with
//! Jaro-Winkler (the `strsim` crate): surnames at [`SIMILAR_NAME`] or more, first names at
//! [`SIMILAR_FIRST_NAME`] or more or one the start of the other ("Ann Murphy" ~ "Anne
//! Murphy", "Orla Gallagher" ~ "Orla Galagher", "Siobhán O'Neill" ~ "siobhan oneill"; not
//! "Aoife Byrne" ~ "Aoife Ryan", nor "John Smith" ~ "Joan Smith"). A name
//! alone never makes a pair: a salon's two Emma Murphys are two people until something else
//! they share says otherwise.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::customer::Customer;

/// Similar name, phone differing in one digit (or in its last two).
pub const SAME_NAME_NEAR_PHONE: f64 = 0.9;
/// Similar name and the same birthday.
pub const SIMILAR_NAME_SAME_BIRTHDAY: f64 = 0.85;
/// The same email local part at another domain.
pub const SAME_EMAIL_LOCAL_PART: f64 = 0.8;
/// Similar name and an email at the same business domain.
pub const SIMILAR_NAME_SAME_DOMAIN: f64 = 0.8;
/// A phone differing in one digit and nothing else in common: noted, below the bar.
pub const NEAR_PHONE_ONLY: f64 = 0.6;
/// The score from which a pair is kept for review (DESIGN §2.2).
pub const PENDING_BAR: f64 = 0.75;
/// The Jaro-Winkler similarity from which two surnames (or one-word names) are "similar".
pub const SIMILAR_NAME: f64 = 0.92;
/// The Jaro-Winkler similarity from which two first names are (Kate, Katie; Siobhán, Siobhan).
pub const SIMILAR_FIRST_NAME: f64 = 0.88;

/// Mail services whose domain says nothing about who holds the address.
const MAIL_SERVICES: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "yahoo.co.uk",
    "yahoo.ie",
    "ymail.com",
    "hotmail.com",
    "hotmail.co.uk",
    "outlook.com",
    "outlook.ie",
    "live.com",
    "live.ie",
    "msn.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "gmx.com",
    "gmx.de",
    "web.de",
    "mail.com",
    "eircom.net",
    "btinternet.com",
    "zoho.com",
    "yandex.com",
    "qq.com",
];

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

/// Where candidates of `new` are found among the search items: token prefixes to look up,
/// each one bounded page of search items, so a common name or number block costs one page,
/// not a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probes {
    /// `local@` of each email with a local part of two or more characters.
    pub emails: Vec<String>,
    /// For each phone of eight or more digits, all but its last four digits (a prefix: finds
    /// a number differing in its last four). A difference further up is found through the
    /// name (a near phone counts only beside a similar name): probing every customer who
    /// shares the last four would read one in 10,000 of the tenant's customers per phone.
    pub phones: Vec<String>,
    /// The name key's surname and first initial (`~murphy a`: Ann, Anne, Annie Murphy).
    pub names: Vec<String>,
}

/// Search items one email or phone probe reads.
pub const CONTACT_PROBE_PAGE: u32 = 25;
/// Search items one name probe reads (namesakes are many; a pair needs more than a name).
pub const NAME_PROBE_PAGE: u32 = 10;

impl Probes {
    /// Each prefix with the page it reads.
    pub fn all(&self) -> impl Iterator<Item = (&String, u32)> {
        self.emails
            .iter()
            .chain(&self.phones)
            .map(|p| (p, CONTACT_PROBE_PAGE))
            .chain(self.names.iter().map(|p| (p, NAME_PROBE_PAGE)))
    }
}

/// Where candidates of `new` are found (see [`Probes`]).
pub fn probes(new: &Customer) -> Probes {
    let mut out = Probes {
        emails: Vec::new(),
        phones: Vec::new(),
        names: Vec::new(),
    };
    for email in &new.emails {
        if let Some((local, _)) = email.split_once('@') {
            if local.chars().count() >= 2 {
                out.emails.push(format!("{local}@"));
            }
        }
    }
    for phone in &new.phones {
        let d = digits(phone);
        if d.len() >= 8 {
            out.phones.push(d[..d.len() - 4].to_owned());
        }
    }
    out.names.extend(name_probe(&new.name));
    out
}

/// The search token filing a customer under their name for the name probe: `~`, the last
/// word, a space, the other words (`Ann-Marie O'Brien` → `~obrien annmarie`).
pub fn name_key(name: &str) -> Option<String> {
    let normalized = normalized_name(name);
    let mut words: Vec<&str> = normalized.split(' ').filter(|w| !w.is_empty()).collect();
    let last = words.pop()?;
    Some(if words.is_empty() {
        format!("~{last}")
    } else {
        format!("~{last} {}", words.join(" "))
    })
}

/// The prefix of [`name_key`] a namesake shares: the surname and first initial.
fn name_probe(name: &str) -> Option<String> {
    let key = name_key(name)?;
    Some(match key.split_once(' ') {
        Some((last, rest)) => format!("{last} {}", rest.chars().next()?),
        None => key,
    })
}

fn digits(phone: &str) -> String {
    phone.chars().filter(char::is_ascii_digit).collect()
}

/// A name as names are compared: lowercased, letters and digits only, one space between
/// words ("  O'Brien,  Aoife" → "obrien aoife").
pub fn normalized_name(name: &str) -> String {
    name.to_lowercase()
        .split_whitespace()
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether two names are similar: the same once normalized (`Some(true)`), or their last
/// words (surnames) at a Jaro-Winkler similarity of [`SIMILAR_NAME`] or more and their first
/// words at [`SIMILAR_FIRST_NAME`] or more, or one the start of the other (Ann, Anne; A.,
/// Aoife). Compared word by word, not as one string: "Aoife Byrne" and "Aoife Ryan" share a
/// first name, not a person (0.92 as one string). An empty name is like none.
fn name_likeness(a: &str, b: &str) -> Option<bool> {
    let (a, b) = (normalized_name(a), normalized_name(b));
    if a.is_empty() || b.is_empty() {
        return None;
    }
    if a == b {
        return Some(true);
    }
    let (a_words, b_words): (Vec<&str>, Vec<&str>) =
        (a.split(' ').collect(), b.split(' ').collect());
    let similar = match (a_words.as_slice(), b_words.as_slice()) {
        ([a_first, .., a_last], [b_first, .., b_last]) => {
            strsim::jaro_winkler(a_last, b_last) >= SIMILAR_NAME
                && (strsim::jaro_winkler(a_first, b_first) >= SIMILAR_FIRST_NAME
                    || a_first.starts_with(b_first)
                    || b_first.starts_with(a_first))
        }
        _ => strsim::jaro_winkler(&a, &b) >= SIMILAR_NAME,
    };
    similar.then_some(false)
}

fn is_mail_service(domain: &str) -> bool {
    MAIL_SERVICES.contains(&domain.to_ascii_lowercase().as_str())
}

/// How two phones of one length differ: `OneDigit` in one place, `LastDigits` in their last
/// two only (two places).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Near {
    OneDigit,
    LastDigits,
}

fn near(a: &str, b: &str) -> Option<Near> {
    let (a, b) = (digits(a), digits(b));
    if a.len() != b.len() || a.len() < 8 || a == b {
        return None;
    }
    let apart = a.bytes().zip(b.bytes()).filter(|(x, y)| x != y).count();
    if apart == 1 {
        Some(Near::OneDigit)
    } else if a[..a.len() - 2] == b[..b.len() - 2] {
        Some(Near::LastDigits)
    } else {
        None
    }
}

/// How `theirs` matches `new`, if the rules it meets reach [`PENDING_BAR`].
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
    let likeness = name_likeness(&new.name, &theirs.name);
    let name = match likeness {
        Some(true) => "same name",
        _ => "similar name",
    };
    for email in &new.emails {
        let Some((local, domain)) = email.split_once('@') else {
            continue;
        };
        let same_local_elsewhere = theirs.emails.iter().any(|e| {
            e.split_once('@')
                .is_some_and(|(l, d)| l == local && d != domain)
        });
        if local.chars().count() >= 2 && same_local_elsewhere {
            note(SAME_EMAIL_LOCAL_PART, "same email local part");
        }
        let same_domain = theirs
            .emails
            .iter()
            .any(|e| e != email && e.split_once('@').is_some_and(|(_, d)| d == domain));
        if likeness.is_some() && same_domain && !is_mail_service(domain) {
            note(
                SIMILAR_NAME_SAME_DOMAIN,
                &format!("{name}, same email domain"),
            );
        }
    }
    let nearest = new
        .phones
        .iter()
        .flat_map(|mine| theirs.phones.iter().filter_map(|p| near(mine, p)))
        .min_by_key(|n| *n != Near::OneDigit);
    if let Some(n) = nearest {
        let how = match n {
            Near::OneDigit => "one digit",
            Near::LastDigits => "the last digits",
        };
        if likeness.is_some() {
            note(
                SAME_NAME_NEAR_PHONE,
                &format!("{name}, phone differs in {how}"),
            );
        } else if n == Near::OneDigit {
            note(NEAR_PHONE_ONLY, "phone differs in one digit");
        }
    }
    if likeness.is_some()
        && new.date_of_birth.is_some()
        && new.date_of_birth == theirs.date_of_birth
    {
        note(
            SIMILAR_NAME_SAME_BIRTHDAY,
            &format!("{name}, same birthday"),
        );
    }
    matched.filter(|m| m.score >= PENDING_BAR)
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

    fn scored(new: &Customer, theirs: &Customer) -> Option<(f64, Vec<String>)> {
        score(new, theirs).map(|m| (m.score, m.reasons))
    }

    #[test]
    fn probes_look_up_the_email_name_the_phone_but_its_last_four_and_the_surname_and_initial() {
        let mut new = customer("N", "Ann O'Murphy", "+353871234567", "ann.murphy@gmail.com");
        let p = probes(&new);
        assert_eq!(p.emails, ["ann.murphy@"]);
        assert_eq!(p.phones, ["35387123"]);
        assert_eq!(p.names, ["~omurphy a"]);
        new.date_of_birth = chrono::NaiveDate::from_ymd_opt(1990, 4, 2);
        assert_eq!(probes(&new).names, ["~omurphy a"]);
        let at_work = customer("W", "Ann Murphy", "+353871234567", "ann@acme.ie");
        assert_eq!(probes(&at_work).names, ["~murphy a"]);
        assert_eq!(
            name_key("Ann-Marie  O'Brien").as_deref(),
            Some("~obrien annmarie")
        );
        assert_eq!(name_key("Cher").as_deref(), Some("~cher"));
        assert_eq!(name_key(" ,. "), None);
    }

    #[test]
    fn a_similar_name_with_a_phone_one_digit_or_two_last_digits_apart_scores_0_9() {
        let new = customer("N", "Ann Murphy", "+353871234567", "ann.murphy@gmail.com");
        let last_two = customer("A", "ann murphy ", "+353871234599", "x@y.ie");
        assert_eq!(
            scored(&new, &last_two),
            Some((
                SAME_NAME_NEAR_PHONE,
                vec!["same name, phone differs in the last digits".to_owned()]
            ))
        );
        let typo = customer("B", "Anne Murphy", "+353871284567", "q@y.ie");
        assert_eq!(
            scored(&new, &typo),
            Some((
                SAME_NAME_NEAR_PHONE,
                vec!["similar name, phone differs in one digit".to_owned()]
            ))
        );
        let two_apart = customer("C", "Ann Murphy", "+353871284507", "r@y.ie");
        assert_eq!(scored(&new, &two_apart), None, "two digits apart, not last");
        let stranger = customer("D", "Bob Byrne", "+353871284567", "s@y.ie");
        assert_eq!(
            scored(&new, &stranger),
            None,
            "one digit apart but another name: below the bar"
        );
    }

    #[test]
    fn the_same_email_name_elsewhere_or_a_similar_name_at_the_same_business_domain_scores_0_8() {
        let new = customer("N", "Ann Murphy", "+353871234567", "ann.murphy@gmail.com");
        let other_domain = customer("B", "Someone", "+353860000000", "ann.murphy@work.ie");
        assert_eq!(
            scored(&new, &other_domain),
            Some((
                SAME_EMAIL_LOCAL_PART,
                vec!["same email local part".to_owned()]
            ))
        );
        let at_acme = customer("N2", "Ann Murphy", "+353860000001", "ann@acme.ie");
        let colleague = customer("C", "Anne Murphy", "+353851234567", "amurphy@acme.ie");
        assert_eq!(
            scored(&at_acme, &colleague),
            Some((
                SIMILAR_NAME_SAME_DOMAIN,
                vec!["similar name, same email domain".to_owned()]
            ))
        );
        let gmail_namesake = customer("G", "Anne Murphy", "+353860000003", "anne.m@gmail.com");
        assert_eq!(
            scored(&new, &gmail_namesake),
            None,
            "a mail service's domain says nothing"
        );
        let other_person = customer("P", "Bob Byrne", "+353851234568", "bob@acme.ie");
        assert_eq!(scored(&at_acme, &other_person), None);
    }

    #[test]
    fn a_similar_name_with_the_same_birthday_scores_0_85_and_a_name_alone_nothing() {
        let born = chrono::NaiveDate::from_ymd_opt(1990, 4, 2);
        let mut new = customer("N", "Siobhan O'Neill", "+353871234567", "s1@gmail.com");
        new.date_of_birth = born;
        let mut twin = customer("T", "Siobhán ONeill", "+353860000000", "s2@gmail.com");
        assert_eq!(scored(&new, &twin), None, "the same name alone is no pair");
        twin.date_of_birth = born;
        assert_eq!(
            scored(&new, &twin).map(|(s, _)| s),
            Some(SIMILAR_NAME_SAME_BIRTHDAY)
        );
        let mut other = customer("O", "Sarah Kelly", "+353860000001", "s3@gmail.com");
        other.date_of_birth = born;
        assert_eq!(scored(&new, &other), None, "same birthday, another name");
    }

    #[test]
    fn the_best_rule_scores_and_every_rule_met_is_a_reason() {
        let new = customer("N", "Ann Murphy", "+353871234567", "ann.murphy@gmail.com");
        let both = customer("C", "Ann Murphy", "+353871234500", "ann.murphy@work.ie");
        let (score, reasons) = scored(&new, &both).unwrap_or_default();
        assert_eq!(score, SAME_NAME_NEAR_PHONE);
        assert_eq!(reasons.len(), 2, "{reasons:?}");
        let same_email = customer("D", "Bob Byrne", "+353871234599", "ann.murphy@gmail.com");
        assert_eq!(
            scored(&new, &same_email),
            None,
            "the very same email is exact (a link), not partial"
        );
        assert!(name_likeness("Ann Murphy", "Anne Murphy") == Some(false));
        assert!(name_likeness("A. Murphy", "Ann Murphy") == Some(false));
        assert!(name_likeness("Orla Gallagher", "orla galagher") == Some(false));
        assert!(name_likeness("Kate Murphy", "Katie Murphy") == Some(false));
        assert!(name_likeness("Ann Murphy", "Ann Moore").is_none());
        assert!(
            name_likeness("Aoife Byrne", "Aoife Ryan").is_none(),
            "0.92 as one string: a shared first name is not a person"
        );
        assert!(name_likeness("John Smith", "Joan Smith").is_none());
        assert!(name_likeness("Client 1", "Client 2").is_none());
        assert!(name_likeness("", "Ann").is_none());
    }
}
