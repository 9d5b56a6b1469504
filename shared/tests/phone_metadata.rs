//! The phone metadata stored beside `domain/phone` is the `phonenumber` crate's own (so an
//! update of the crate is a deliberate `scripts/phone-metadata`), and numbers read with it
//! come out exactly as with the crate's full database: a corpus of every region's example
//! numbers in the ways people write them, from more than 20 countries.

use std::io::BufReader;
use std::path::PathBuf;

use crm_shared::domain::phone::metadata::StoredRegion;
use crm_shared::domain::phone::{normalize, search_digits};
use phonenumber::metadata::loader;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `phonenumber` crate's metadata as it ships (found through `cargo metadata`).
fn crate_metadata() -> Vec<loader::Metadata> {
    let out = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--offline"])
        .current_dir(manifest_dir())
        .output()
        .unwrap_or_else(|e| panic!("cargo metadata: {e}"));
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("cargo metadata: {e}"));
    let manifest = doc["packages"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["name"] == "phonenumber"))
        .and_then(|p| p["manifest_path"].as_str())
        .unwrap_or_else(|| panic!("phonenumber is not a dependency"));
    let xml = PathBuf::from(manifest)
        .with_file_name("assets")
        .join("PhoneNumberMetadata.xml");
    let file = std::fs::File::open(&xml).unwrap_or_else(|e| panic!("{}: {e}", xml.display()));
    loader::load(BufReader::new(file)).unwrap_or_else(|e| panic!("{}: {e:?}", xml.display()))
}

#[test]
fn the_stored_phone_metadata_is_the_phonenumber_crates() {
    let metadata = crate_metadata();
    let each: Vec<Vec<u8>> = metadata
        .iter()
        .map(|m| postcard::to_allocvec(m).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    let stored: Vec<StoredRegion> = metadata
        .iter()
        .zip(&each)
        .map(|(m, bytes)| StoredRegion {
            id: m.id.as_deref(),
            code: m.country_code,
            metadata: bytes,
        })
        .collect();
    let bytes = postcard::to_allocvec(&stored).unwrap_or_else(|e| panic!("{e}"));
    let stored = manifest_dir().join("src/domain/phone/metadata.postcard");
    if std::env::var("CRM_WRITE_PHONE_METADATA").is_ok_and(|v| v == "1") {
        std::fs::write(&stored, &bytes).unwrap_or_else(|e| panic!("{e}"));
        return;
    }
    let current = std::fs::read(&stored).unwrap_or_default();
    assert!(
        current == bytes,
        "{} is not the phonenumber crate's metadata: run scripts/phone-metadata",
        stored.display()
    );
}

/// What the crate's full database makes of `raw` read in `region`.
fn reference(raw: &str, region: &str) -> Option<String> {
    let id: phonenumber::country::Id = region.parse().ok()?;
    let n = phonenumber::parse(Some(id), raw).ok()?;
    phonenumber::is_valid(&n).then(|| n.format().mode(phonenumber::Mode::E164).to_string())
}

/// `digits` written with the ten digits that start at `zero`.
fn other_digits(digits: &str, zero: char) -> String {
    digits
        .chars()
        .map(|c| {
            c.to_digit(10)
                .and_then(|d| char::from_u32(zero as u32 + d))
                .unwrap_or(c)
        })
        .collect()
}

#[test]
fn numbers_read_as_the_full_database_reads_them() {
    const REGIONS: &[&str] = &[
        "IE", "GB", "US", "CA", "AU", "NZ", "FR", "DE", "ES", "IT", "PT", "NL", "BE", "CH", "AT",
        "SE", "NO", "DK", "PL", "BR", "MX", "IN", "JP", "ZA", "AE", "SG",
    ];
    let metadata = crate_metadata();
    let mut cases = Vec::new();
    for region in REGIONS {
        let meta = metadata
            .iter()
            .find(|m| m.id.as_deref() == Some(region))
            .unwrap_or_else(|| panic!("{region}"));
        let code = meta.country_code.unwrap_or_default();
        let prefix = meta.national_prefix.clone().unwrap_or_default();
        for example in [&meta.mobile, &meta.fixed_line, &meta.toll_free]
            .into_iter()
            .flatten()
            .filter_map(|d| d.example.clone())
        {
            // As people write it: national with the trunk prefix, spaced, international with
            // + and with 00, and the digits alone.
            cases.push((format!("{prefix}{example}"), region.to_string()));
            let (head, tail) = example.split_at(example.len() / 2);
            cases.push((format!("{prefix}{head} {tail}"), region.to_string()));
            cases.push((format!("+{code} {example}"), region.to_string()));
            cases.push((format!("+{code}{example}"), "IE".to_string()));
            cases.push((format!("00{code}{example}"), region.to_string()));
            cases.push((format!("00{code} {example}"), "IE".to_string()));
            cases.push((format!("011 {code} {example}"), "US".to_string()));
            cases.push((example.clone(), region.to_string()));
            // In other scripts' digits (full-width, Arabic-Indic): the stored patterns spell
            // `\d` as `[0-9]`, which must not change what these read as.
            cases.push((
                format!("+{code} {}", other_digits(&example, '０')),
                "IE".into(),
            ));
            cases.push((
                format!("{prefix}{}", other_digits(&example, '٠')),
                region.to_string(),
            ));
        }
    }
    // And what is not a number, or not a valid one.
    for (raw, region) in [
        ("12", "IE"),
        ("not a phone", "GB"),
        ("+999 123", "US"),
        ("0000000000", "FR"),
    ] {
        cases.push((raw.to_owned(), region.to_owned()));
    }
    assert!(cases.len() >= 200, "{} cases", cases.len());
    let mut valid = 0;
    for (raw, region) in &cases {
        let ours = normalize(raw, region).ok();
        assert_eq!(ours, reference(raw, region), "{raw} in {region}");
        if let Some(e164) = &ours {
            valid += 1;
            let digits = search_digits(e164);
            assert!(digits.contains(&e164[1..].to_owned()), "{e164}: {digits:?}");
        }
    }
    assert!(
        valid >= 150,
        "only {valid} of {} cases were valid numbers",
        cases.len()
    );
}
