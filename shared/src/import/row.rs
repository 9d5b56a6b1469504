//! One row of an imported file read under a mapping: the client it describes, normalised as
//! the API would store it (E.164 phone in the business's region, lowercased email, tags,
//! dates), or every reason it cannot be (by field, so the preview and the error report name
//! them). Opening balances from the old system (visits, spend, client since) are kept apart
//! from booking facts: they are what the client brought, not bookings this product saw.

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::phone;
use crate::domain::validation::{is_plausible_email, FieldError};
use crate::import::mapping::{name_of, Field};

/// A client as a row describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ImportedClient {
    pub name: String,
    /// E.164.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub phone: Option<String>,
    /// Lowercased.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub email: Option<String>,
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub notes: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub birthday: Option<NaiveDate>,
    /// Street, city, postcode and country, as one line.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub member_since: Option<NaiveDate>,
    /// Opening balance: visits in the old system.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub visits: Option<u32>,
    /// Opening balance: spend in the old system, in minor units (cents).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub spend_cents: Option<i64>,
    /// Only what the file says: a missing or unreadable answer is no consent.
    pub marketing_consent: bool,
}

/// Longest text a cell may carry into a field.
const MAX_TEXT: usize = 1_000;

/// Reads `cells` (one row, as wide as `mapping`) as a client of a business in `region`
/// (ISO 3166 alpha-2: national phone numbers and day/month order). `Err` lists every field
/// that cannot be read, with why.
pub fn read(
    mapping: &[Option<Field>],
    cells: &[String],
    region: &str,
) -> Result<ImportedClient, Vec<FieldError>> {
    let mut client = ImportedClient::default();
    let mut errors = Vec::new();
    let mut first = None;
    let mut last = None;
    let mut address = Vec::new();
    for (field, text) in mapping.iter().zip(cells) {
        let (Some(field), text) = (field, text.trim()) else {
            continue;
        };
        if text.is_empty() {
            continue;
        }
        let mut refuse = |reason: &str| {
            errors.push(FieldError {
                field: name_of(*field),
                reason: reason.to_owned(),
            })
        };
        if text.chars().count() > MAX_TEXT {
            refuse("is longer than 1,000 characters");
            continue;
        }
        match field {
            Field::Name => client.name = text.to_owned(),
            Field::FirstName => first = Some(text.to_owned()),
            Field::LastName => last = Some(text.to_owned()),
            Field::Phone => match phone::normalize(text, region) {
                Ok(e164) => client.phone = Some(e164),
                Err(e) => refuse(&e.to_string()),
            },
            Field::Email => {
                let email = text.to_lowercase();
                if is_plausible_email(&email) {
                    client.email = Some(email);
                } else {
                    refuse("is not an email address");
                }
            }
            Field::Tags => {
                let mut tags: Vec<String> = text
                    .split([',', ';', '|'])
                    .map(|t| t.trim().to_lowercase())
                    .filter(|t| !t.is_empty())
                    .collect();
                tags.sort();
                tags.dedup();
                client.tags = tags;
            }
            Field::Notes => client.notes = Some(text.to_owned()),
            Field::Birthday => match date(text, region) {
                Some(d) => client.birthday = Some(d),
                None => refuse("is not a date (use YYYY-MM-DD, or day/month/year)"),
            },
            Field::Address | Field::City | Field::Postcode | Field::Country => {
                address.push((*field, text.to_owned()))
            }
            Field::Source => client.source = Some(text.to_owned()),
            Field::MemberSince => match date(text, region) {
                Some(d) => client.member_since = Some(d),
                None => refuse("is not a date (use YYYY-MM-DD, or day/month/year)"),
            },
            Field::Visits => match text.replace([',', ' '], "").parse::<u32>() {
                Ok(n) => client.visits = Some(n),
                Err(_) => refuse("is not a whole number of visits"),
            },
            Field::Spend => match cents(text) {
                Some(c) => client.spend_cents = Some(c),
                None => refuse("is not an amount of money"),
            },
            Field::MarketingConsent => match text.to_lowercase().as_str() {
                "yes" | "y" | "true" | "1" | "x" | "opted in" | "subscribed" => {
                    client.marketing_consent = true
                }
                "no" | "n" | "false" | "0" | "opted out" | "unsubscribed" => {}
                _ => refuse("must be yes or no"),
            },
        }
    }
    if client.name.is_empty() {
        client.name = [first, last]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
    }
    if client.name.is_empty() {
        errors.push(FieldError {
            field: "name".into(),
            reason: "is empty".into(),
        });
    }
    if client.phone.is_none()
        && client.email.is_none()
        && !errors
            .iter()
            .any(|e| e.field == "phone" || e.field == "email")
    {
        errors.push(FieldError {
            field: "phone".into(),
            reason: "a client needs a phone or an email; this row has neither".into(),
        });
    }
    // In the order a postal address is written, whatever the columns' order.
    address.sort_by_key(|(f, _)| Field::ALL.iter().position(|a| a == f));
    if !address.is_empty() {
        client.address = Some(
            address
                .into_iter()
                .map(|(_, t)| t)
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    if errors.is_empty() {
        Ok(client)
    } else {
        Err(errors)
    }
}

/// For each row read, the earlier row (index) with the same phone or email, if any: that
/// row is the client, this one a duplicate within the file (skipped). Refused rows and
/// duplicates match nothing: only rows that become clients do.
pub fn earlier_duplicates(rows: &[Result<ImportedClient, Vec<FieldError>>]) -> Vec<Option<usize>> {
    let mut first: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            let Ok(client) = row else {
                return None;
            };
            let contacts = [client.phone.as_deref(), client.email.as_deref()];
            let earlier = contacts
                .iter()
                .flatten()
                .filter_map(|c| first.get(c).copied())
                .min();
            if earlier.is_none() {
                for c in contacts.into_iter().flatten() {
                    first.entry(c).or_insert(i);
                }
            }
            earlier
        })
        .collect()
}

/// A date as people and spreadsheets write it: `2026-03-14` (also with a time after it),
/// `14/03/2026`, `14.03.2026`, `14-03-2026` (month first in the US and Canada), `14 Mar 2026`.
fn date(text: &str, region: &str) -> Option<NaiveDate> {
    let day = text.split([' ', 'T']).next().unwrap_or(text);
    if let Ok(d) = NaiveDate::parse_from_str(day, "%Y-%m-%d") {
        return Some(d);
    }
    let month_first = matches!(region.to_ascii_uppercase().as_str(), "US" | "CA" | "PH");
    let orders: &[&str] = if month_first {
        &["%m/%d/%Y", "%m-%d-%Y", "%m.%d.%Y"]
    } else {
        &["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"]
    };
    orders
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(day, f).ok())
        .or_else(|| NaiveDate::parse_from_str(text, "%d %b %Y").ok())
        .or_else(|| NaiveDate::parse_from_str(text, "%d %B %Y").ok())
        .filter(|d| (1900..=2100).contains(&chrono::Datelike::year(d)))
}

/// An amount as written (`340.50`, `€1,234.50`, `1.234,50`, `1234`) in minor units.
fn cents(text: &str) -> Option<i64> {
    let digits: String = text
        .chars()
        .filter(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '-'))
        .collect();
    if digits.is_empty() || !digits.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    // The last separator followed by one or two digits is the decimal one.
    let decimal_at = digits
        .rfind(['.', ','])
        .filter(|&i| (1..=2).contains(&(digits.len() - i - 1)));
    let (whole, fraction) = match decimal_at {
        Some(i) => (&digits[..i], &digits[i + 1..]),
        None => (digits.as_str(), ""),
    };
    let whole: String = whole.chars().filter(|c| *c != '.' && *c != ',').collect();
    let negative = whole.starts_with('-');
    let whole: i64 = whole.trim_start_matches('-').parse().ok()?;
    let fraction: i64 = format!("{fraction:0<2}").parse().ok()?;
    let cents = whole.checked_mul(100)?.checked_add(fraction)?;
    Some(if negative { -cents } else { cents })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_with_an_earlier_rows_phone_or_email_is_its_duplicate() {
        let client = |phone: Option<&str>, email: Option<&str>| {
            Ok(ImportedClient {
                name: "x".into(),
                phone: phone.map(str::to_owned),
                email: email.map(str::to_owned),
                ..ImportedClient::default()
            })
        };
        let rows = vec![
            client(Some("+353871111111"), None),
            Err(vec![]),
            client(None, Some("a@b.ie")),
            client(Some("+353871111111"), Some("z@b.ie")),
            client(Some("+353872222222"), Some("a@b.ie")),
            client(Some("+353873333333"), Some("z@b.ie")),
        ];
        assert_eq!(
            earlier_duplicates(&rows),
            [None, None, None, Some(0), Some(2), None],
            "the first client row with the contact; row 3 is skipped, so its z@b.ie makes no match"
        );
    }

    fn cells(c: &[&str]) -> Vec<String> {
        c.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_row_is_read_as_the_api_would_store_it() {
        let mapping = [
            Some(Field::FirstName),
            Some(Field::LastName),
            Some(Field::Phone),
            Some(Field::Email),
            Some(Field::Tags),
            Some(Field::Birthday),
            Some(Field::City),
            Some(Field::Address),
            Some(Field::Visits),
            Some(Field::Spend),
            Some(Field::MarketingConsent),
            None,
        ];
        let got = read(
            &mapping,
            &cells(&[
                "Aoife",
                "Byrne",
                "087 123 4567",
                "Aoife.Byrne@Example.IE",
                "VIP; facials,vip",
                "14/03/1990",
                "Dublin",
                "12 Harbour Road",
                "1,204",
                "€1.234,50",
                "Yes",
                "ignored",
            ]),
            "IE",
        )
        .expect("a client");
        assert_eq!(got.name, "Aoife Byrne");
        assert_eq!(got.phone.as_deref(), Some("+353871234567"));
        assert_eq!(got.email.as_deref(), Some("aoife.byrne@example.ie"));
        assert_eq!(got.tags, ["facials", "vip"]);
        assert_eq!(got.birthday, NaiveDate::from_ymd_opt(1990, 3, 14));
        assert_eq!(got.address.as_deref(), Some("12 Harbour Road, Dublin"));
        assert_eq!(got.visits, Some(1204));
        assert_eq!(got.spend_cents, Some(123_450));
        assert!(got.marketing_consent);
    }

    #[test]
    fn every_unreadable_field_is_named_with_its_reason() {
        let mapping = [
            Some(Field::Name),
            Some(Field::Phone),
            Some(Field::Email),
            Some(Field::Birthday),
            Some(Field::Visits),
        ];
        let errors = read(
            &mapping,
            &cells(&["Bríd", "12", "not-an-email", "31/02/1990", "many"]),
            "IE",
        )
        .expect_err("refused");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["phone", "email", "birthday", "visits"]);
        let errors = read(&mapping, &cells(&["", "", "", "", ""]), "IE").expect_err("empty");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "phone"]);
    }

    #[test]
    fn dates_follow_the_regions_day_and_month_order() {
        assert_eq!(
            date("03/14/1990", "US"),
            NaiveDate::from_ymd_opt(1990, 3, 14)
        );
        assert_eq!(
            date("14/03/1990", "IE"),
            NaiveDate::from_ymd_opt(1990, 3, 14)
        );
        assert_eq!(
            date("1990-03-14 00:00", "US"),
            NaiveDate::from_ymd_opt(1990, 3, 14)
        );
        assert_eq!(
            date("14 Mar 1990", "GB"),
            NaiveDate::from_ymd_opt(1990, 3, 14)
        );
        assert_eq!(date("14/03/1990", "US"), None);
        assert_eq!(date("01/01/0001", "IE"), None);
    }

    #[test]
    fn amounts_read_in_either_decimal_notation() {
        assert_eq!(cents("340.5"), Some(34_050));
        assert_eq!(cents("€1,234.50"), Some(123_450));
        assert_eq!(cents("1.234,50 €"), Some(123_450));
        assert_eq!(cents("1234"), Some(123_400));
        assert_eq!(cents("1,234"), Some(123_400));
        assert_eq!(cents("-12.00"), Some(-1_200));
        assert_eq!(cents("n/a"), None);
    }
}
