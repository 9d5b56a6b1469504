//! Phone numbers: E.164 normalisation with the tenant's default region.

use phonenumber::country;

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
    let id: country::Id = region
        .trim()
        .to_ascii_uppercase()
        .parse()
        .map_err(|_| PhoneError::UnknownRegion(region.to_owned()))?;
    let trimmed = raw.trim();
    if trimmed.is_empty() || trimmed.len() > 32 {
        return Err(PhoneError::Unparseable);
    }
    let number = phonenumber::parse(Some(id), trimmed).map_err(|_| PhoneError::Unparseable)?;
    if !phonenumber::is_valid(&number) {
        return Err(PhoneError::Invalid);
    }
    Ok(number.format().mode(phonenumber::Mode::E164).to_string())
}

/// The digit strings a person may type to find this E.164 number: all its digits, the
/// national number with and without the trunk `0`, and the last four digits.
pub fn search_digits(e164: &str) -> Vec<String> {
    let all: String = e164.chars().filter(char::is_ascii_digit).collect();
    let mut out = vec![all.clone()];
    if let Ok(n) = phonenumber::parse(None, e164) {
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
    fn unknown_regions_are_reported() {
        assert!(matches!(
            normalize("0871234567", "XX"),
            Err(PhoneError::UnknownRegion(_))
        ));
        assert!(is_known_region("ie"));
    }
}
