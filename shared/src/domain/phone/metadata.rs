//! The phone-number metadata, built per country calling code when first needed.
//!
//! `phonenumber`'s own database compiles the patterns of all 254 regions on first use: about
//! 80 ms of a capture's first invocation (release build). Here the same metadata (the
//! crate's `PhoneNumberMetadata.xml`, stored beside this file by `scripts/phone-metadata`; a
//! test checks it matches the crate's) is kept per region: an index of ids and calling codes
//! read in place (no copies), and each region's metadata decoded only when a number needs
//! its calling code: its tenant's, and the one after a leading `+`. A database is built from
//! just those regions. What it answers is what the full one answers, because parsing and
//! validation only consult those codes' metadata; when it cannot answer (another notation of
//! a foreign number), the full database is asked.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use phonenumber::metadata::{loader, Database};
use serde::{Deserialize, Serialize};

/// `PhoneNumberMetadata.xml` of the `phonenumber` crate in use: a postcard list of
/// [`StoredRegion`]s.
const METADATA: &[u8] = include_bytes!("metadata.postcard");

/// One region in the stored metadata: its id and calling code, and its `loader::Metadata` as
/// postcard, decoded only when a number needs that calling code.
#[derive(Debug, Serialize, Deserialize)]
pub struct StoredRegion<'a> {
    #[serde(borrow)]
    pub id: Option<&'a str>,
    pub code: Option<u16>,
    #[serde(borrow)]
    pub metadata: &'a [u8],
}

/// Every region's id and calling code, read once, in place.
fn regions() -> &'static [StoredRegion<'static>] {
    static REGIONS: OnceLock<Vec<StoredRegion<'static>>> = OnceLock::new();
    REGIONS.get_or_init(|| postcard::from_bytes(METADATA).unwrap_or_default())
}

/// The calling code of region `id` (`IE` → 353).
pub fn code_of_region(id: &str) -> Option<u16> {
    regions()
        .iter()
        .find(|r| r.id == Some(id))
        .and_then(|r| r.code)
}

/// The calling code that starts `digits` (codes are prefix-free: at most one matches).
pub fn code_prefix(digits: &str) -> Option<u16> {
    (1..=3)
        .filter_map(|n| digits.get(..n)?.parse::<u16>().ok())
        .find(|code| regions().iter().any(|r| r.code == Some(*code)))
}

/// A database of the regions of `codes`, built on first use and kept.
pub fn database(codes: &[u16]) -> Option<Arc<Database>> {
    static BUILT: OnceLock<Mutex<HashMap<Vec<u16>, Arc<Database>>>> = OnceLock::new();
    let mut key = codes.to_vec();
    key.sort_unstable();
    key.dedup();
    let built = BUILT.get_or_init(Mutex::default);
    if let Some(db) = built.lock().ok()?.get(&key) {
        return Some(db.clone());
    }
    let subset: Vec<loader::Metadata> = regions()
        .iter()
        .filter(|r| r.code.is_some_and(|c| key.contains(&c)))
        .map(|r| postcard::from_bytes(r.metadata).map(ascii_digits))
        .collect::<Result<_, _>>()
        .ok()?;
    if subset.is_empty() {
        return None;
    }
    let db = Arc::new(Database::from(subset).ok()?);
    built.lock().ok()?.insert(key, db.clone());
    Some(db)
}

/// The region's patterns with `\d` spelled `[0-9]`. The regex crate reads `\d` as any
/// Unicode decimal digit (about 700 code points), whose UTF-8 automaton is most of the cost
/// of compiling a pattern; the crate matches these patterns only against the national
/// number, which it has already reduced to ASCII digits, so the answers are the same (the
/// corpus in `tests/phone_metadata.rs`, other scripts' digits included, holds them to the
/// full database's).
fn ascii_digits(mut meta: loader::Metadata) -> loader::Metadata {
    fn fix(pattern: &mut String) {
        if pattern.contains("\\d") {
            *pattern = pattern.replace("\\d", "[0-9]");
        }
    }
    fn fix_opt(pattern: &mut Option<String>) {
        if let Some(p) = pattern {
            fix(p);
        }
    }
    for descriptor in [
        &mut meta.general,
        &mut meta.fixed_line,
        &mut meta.mobile,
        &mut meta.toll_free,
        &mut meta.premium_rate,
        &mut meta.shared_cost,
        &mut meta.personal_number,
        &mut meta.voip,
        &mut meta.pager,
        &mut meta.uan,
        &mut meta.emergency,
        &mut meta.voicemail,
        &mut meta.short_code,
        &mut meta.standard_rate,
        &mut meta.carrier,
        &mut meta.no_international,
    ]
    .into_iter()
    .flatten()
    {
        fix_opt(&mut descriptor.national_number);
    }
    fix_opt(&mut meta.international_prefix);
    fix_opt(&mut meta.national_prefix_for_parsing);
    fix_opt(&mut meta.leading_digits);
    for format in meta
        .formats
        .iter_mut()
        .chain(meta.international_formats.iter_mut())
    {
        fix_opt(&mut format.pattern);
        format.leading_digits.iter_mut().for_each(fix);
    }
    meta
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calling_codes_are_found_by_region_and_by_prefix() {
        assert_eq!(code_of_region("IE"), Some(353));
        assert_eq!(code_of_region("US"), Some(1));
        assert_eq!(code_of_region("XX"), None);
        assert_eq!(code_prefix("447911123456"), Some(44));
        assert_eq!(code_prefix("15552671"), Some(1));
        assert_eq!(code_prefix("3538712"), Some(353));
        assert!(regions().len() > 240, "{}", regions().len());
    }
}
