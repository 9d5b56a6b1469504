//! Phone numbers: E.164 normalisation with the tenant's default region.

pub mod metadata;

use std::sync::Arc;

use phonenumber::metadata::Database;
use phonenumber::{country, PhoneNumber};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("is not a phone number")]
    Unparseable,
    #[error("is not a valid number")]
    Invalid,
    #[error("default region `{0}` is not a known country code")]
    UnknownRegion(String),
}

/// Normalises `raw` to E.164 (`+353871234567`), reading national numbers in `region`
/// (ISO 3166 alpha-2, e.g. `IE`).
pub fn normalize(raw: &str, region: &str) -> Result<String, PhoneError> {
    let region = region.trim().to_ascii_uppercase();
    let id: country::Id = region
        .parse()
        .map_err(|_| PhoneError::UnknownRegion(region.clone()))?;
    let trimmed = raw.trim();
    if trimmed.is_empty() || trimmed.len() > 32 {
        return Err(PhoneError::Unparseable);
    }
    let (number, db) = parse(Some((id, &region)), trimmed).ok_or(PhoneError::Unparseable)?;
    let valid = match &db {
        Some(db) => phonenumber::is_valid_with(db, &number),
        None => phonenumber::is_valid(&number),
    };
    if !valid {
        return Err(PhoneError::Invalid);
    }
    Ok(e164(&number))
}

/// Does, once per process and on a thread of its own, what the first normalisation does
/// whatever the region: reading the region index and compiling the `phonenumber` crate's own
/// parsing patterns (about 2 of the 3.5 ms a first number costs in a release build). A handler
/// about to wait on I/O (the capture's settings read) calls it so the two overlap instead of
/// adding up on a cold start; a normalisation that comes first waits for what the thread has
/// started (the patterns are built once, behind a lock) and does no work twice. Later calls do
/// nothing.
pub fn warm_in_background() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        let spawned = std::thread::Builder::new()
            .name("phone-warm-up".into())
            .spawn(|| {
                // International freephone (+800): the smallest metadata of any calling code,
                // so the thread builds little that no tenant needs.
                let _ = parse(None, "+800 1234 5678");
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "phone warm-up thread not started");
        }
    });
}

/// `+<code><national number>`: E.164 needs no metadata.
fn e164(number: &PhoneNumber) -> String {
    format!("+{}{}", number.country().code(), number.national())
}

/// Parses `raw` (in `region`, when given) with a database of only the calling codes it
/// needs: the region's and the one after a leading `+`. Whatever that cannot read (another
/// notation of a foreign number) goes to the crate's full database, so the answer is always
/// the full database's. The database used (none: the full one).
fn parse(
    region: Option<(country::Id, &str)>,
    raw: &str,
) -> Option<(PhoneNumber, Option<Arc<Database>>)> {
    let mut codes: Vec<u16> = region
        .and_then(|(_, r)| metadata::code_of_region(r))
        .into_iter()
        .collect();
    if let Some(rest) = raw.strip_prefix('+') {
        let digits: String = rest.chars().filter(char::is_ascii_digit).take(3).collect();
        codes.extend(metadata::code_prefix(&digits));
    }
    let id = region.map(|(id, _)| id);
    if let Some(db) = metadata::database(&codes) {
        if let Ok(number) = phonenumber::parse_with(&db, id, raw) {
            return Some((number, Some(db)));
        }
    }
    phonenumber::parse(id, raw).ok().map(|n| (n, None))
}

/// The digit strings a person may type to find this E.164 number: all its digits, the
/// national number with and without the trunk `0`, and the last four digits.
pub fn search_digits(e164: &str) -> Vec<String> {
    let all: String = e164.chars().filter(char::is_ascii_digit).collect();
    let mut out = vec![all.clone()];
    if let Some((n, _)) = parse(None, e164) {
        let national = n.national().value().to_string();
        out.push(format!("0{national}"));
        out.push(national);
    }
    if all.len() >= 4 {
        out.push(all[all.len() - 4..].to_owned());
    }
    out.sort();
    out.dedup();
    out
}

/// Where a text to an E.164 number goes: its calling code, and whether the line is premium
/// rate or shared cost (a text there can cost the sender more, or earn the line's owner).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Destination {
    pub calling_code: u16,
    pub premium: bool,
}

/// The destination of `e164`, when it reads as a number.
pub fn destination(e164: &str) -> Option<Destination> {
    let (number, db) = parse(None, e164)?;
    let kind = match &db {
        Some(db) => number.number_type(db),
        None => number.number_type(&phonenumber::metadata::DATABASE),
    };
    Some(Destination {
        calling_code: number.country().code(),
        premium: matches!(
            kind,
            phonenumber::Type::PremiumRate | phonenumber::Type::SharedCost
        ),
    })
}

/// The calling code of region `id` (`IE` → 353).
pub fn calling_code(region: &str) -> Option<u16> {
    metadata::code_of_region(&region.trim().to_ascii_uppercase())
}

/// Whether a region code is one `normalize` accepts.
pub fn is_known_region(region: &str) -> bool {
    region
        .trim()
        .to_ascii_uppercase()
        .parse::<country::Id>()
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_while_the_warm_up_runs_read_as_without_it() {
        // The warm-up thread and these normalisations race for the same lazily built patterns
        // and databases: each must still get the full database's answer, and twice the same.
        warm_in_background();
        let readers: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(|| {
                    [
                        normalize("087 123 4567", "IE"),
                        normalize("+1 415 555 2671", "IE"),
                        normalize("+800 1234 5678", "GB"),
                        normalize("0800 123", "IE"),
                    ]
                })
            })
            .collect();
        warm_in_background();
        for reader in readers {
            let got = reader.join().expect("reader");
            assert_eq!(got[0], Ok("+353871234567".into()));
            assert_eq!(got[1], Ok("+14155552671".into()));
            assert_eq!(got[2], Ok("+80012345678".into()));
            assert_eq!(got[3], Err(PhoneError::Invalid));
        }
    }

    #[test]
    fn national_numbers_take_the_tenant_region() {
        assert_eq!(normalize("087 123 4567", "IE"), Ok("+353871234567".into()));
        assert_eq!(normalize("07911 123456", "GB"), Ok("+447911123456".into()));
    }

    #[test]
    fn international_numbers_keep_their_country() {
        assert_eq!(
            normalize("+44 7911 123456", "IE"),
            Ok("+447911123456".into())
        );
        assert_eq!(normalize("(415) 555-2671", "US"), Ok("+14155552671".into()));
    }

    #[test]
    fn garbage_and_impossible_numbers_are_refused() {
        assert_eq!(normalize("hello", "IE"), Err(PhoneError::Unparseable));
        assert_eq!(normalize("", "IE"), Err(PhoneError::Unparseable));
        assert!(normalize("123", "IE").is_err());
    }

    #[test]
    fn a_destination_is_its_calling_code_and_whether_it_is_premium_rate() {
        assert_eq!(
            destination("+353871234567"),
            Some(Destination {
                calling_code: 353,
                premium: false
            })
        );
        // Ireland's 1550 numbers and the UK's 09 numbers are premium rate.
        assert_eq!(destination("+3531550123456").map(|d| d.premium), Some(true));
        assert_eq!(destination("+449098790000").map(|d| d.premium), Some(true));
        assert_eq!(
            destination("+447911123456").map(|d| d.calling_code),
            Some(44)
        );
        assert_eq!(calling_code("ie"), Some(353));
    }

    #[test]
    fn unknown_regions_are_reported() {
        assert!(matches!(
            normalize("0871234567", "XX"),
            Err(PhoneError::UnknownRegion(_))
        ));
        assert!(is_known_region("ie"));
    }
}
