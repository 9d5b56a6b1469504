//! The phone-number metadata, built per country calling code when first needed.
//!
//! `phonenumber`'s own database compiles the patterns of all 254 regions on first use: about
//! 80 ms of a capture's first invocation (release build). Here the same metadata (the
//! crate's `PhoneNumberMetadata.xml`, stored as postcard beside this file by
//! `scripts/phone-metadata`; a test checks it matches the crate's) is decoded once (about
//! 1 ms) and a database is built only from the regions of the calling codes a number needs:
//! its tenant's, and the one after a leading `+`. What such a database answers is what the
//! full one answers, because parsing and validation only consult those codes' metadata; when
//! it cannot answer (another notation of a foreign number), the full database is asked.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use phonenumber::metadata::{loader, Database};

/// `PhoneNumberMetadata.xml` of the `phonenumber` crate in use, as postcard.
const METADATA: &[u8] = include_bytes!("metadata.postcard");

/// Every region's metadata, decoded once.
fn regions() -> &'static [loader::Metadata] {
    static REGIONS: OnceLock<Vec<loader::Metadata>> = OnceLock::new();
    REGIONS.get_or_init(|| postcard::from_bytes(METADATA).unwrap_or_default())
}

/// The calling code of region `id` (`IE` → 353).
pub fn code_of_region(id: &str) -> Option<u16> {
    regions()
        .iter()
        .find(|m| m.id.as_deref() == Some(id))
        .and_then(|m| m.country_code)
}

/// The calling code that starts `digits` (codes are prefix-free: at most one matches).
pub fn code_prefix(digits: &str) -> Option<u16> {
    (1..=3)
        .filter_map(|n| digits.get(..n)?.parse::<u16>().ok())
        .find(|code| regions().iter().any(|m| m.country_code == Some(*code)))
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
        .filter(|m| m.country_code.is_some_and(|c| key.contains(&c)))
        .cloned()
        .collect();
    if subset.is_empty() {
        return None;
    }
    let db = Arc::new(Database::from(subset).ok()?);
    built.lock().ok()?.insert(key, db.clone());
    Some(db)
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
