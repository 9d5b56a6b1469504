//! Conversion events for Meta's Conversions API (DESIGN §2.5): which lead change is which
//! event, the event's shape, Meta's normalisation and hashing of customer data, the 7-day age
//! limit and the 1,000-events batch limit. Pure: time comes in as an argument.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::lead::{Lead, LeadStatus};

/// Most events one request may carry (Meta's limit).
pub const MAX_EVENTS_PER_REQUEST: usize = 1000;
/// Oldest event Meta accepts; one older event makes it reject the whole request.
pub const MAX_EVENT_AGE_DAYS: i64 = 7;

/// The pipeline moments reported to Meta.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConversionKind {
    /// The form was sent (website event, deduplicated against the Pixel's by the lead id).
    Lead,
    /// The lead was booked.
    Schedule,
    /// The lead was won.
    Purchase,
}

impl ConversionKind {
    /// Meta's standard event name.
    pub fn event_name(self) -> &'static str {
        match self {
            ConversionKind::Lead => "Lead",
            ConversionKind::Schedule => "Schedule",
            ConversionKind::Purchase => "Purchase",
        }
    }

    /// The event a status change reports, if any (only `booked` and `won` are conversions).
    pub fn of_status(to: LeadStatus) -> Option<ConversionKind> {
        match to {
            LeadStatus::Booked => Some(ConversionKind::Schedule),
            LeadStatus::Won => Some(ConversionKind::Purchase),
            _ => None,
        }
    }

    /// The event id Meta deduplicates by: the lead id for `Lead` (the id the landing page
    /// gives the Pixel), `schedule-<lead id>` and `purchase-<lead id>` for the CRM stages.
    pub fn event_id(self, lead_id: &str) -> String {
        match self {
            ConversionKind::Lead => lead_id.to_owned(),
            ConversionKind::Schedule => format!("schedule-{lead_id}"),
            ConversionKind::Purchase => format!("purchase-{lead_id}"),
        }
    }
}

/// Where the conversion happened, in Meta's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionSource {
    Website,
    SystemGenerated,
}

/// Customer information: identifiers hashed with SHA-256 after Meta's normalisation; the
/// browser's own signals (ip, user agent, click and browser ids) in clear, as Meta requires.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub em: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ph: Option<String>,
    #[serde(default, rename = "fn", skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, rename = "ln", skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_ip_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_user_agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fbc: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fbp: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomData {
    /// `crm` on the events of later pipeline stages (Meta's conversion leads integration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_event_source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_name: Option<String>,
    /// In major units (Meta's `value`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

/// One server event as Meta's `data` array holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversionEvent {
    pub event_name: String,
    /// Unix seconds.
    pub event_time: i64,
    pub event_id: String,
    pub action_source: ActionSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_source_url: Option<String>,
    pub user_data: UserData,
    pub custom_data: CustomData,
}

/// An amount in minor units with its ISO 4217 currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Money {
    pub minor: i64,
    pub currency: String,
}

impl Money {
    /// The amount in major units (Meta's `value`), by the currency's decimals.
    pub fn major(&self) -> f64 {
        let decimals = if ZERO_DECIMAL_CURRENCIES.contains(&self.currency.as_str()) {
            0
        } else {
            2
        };
        self.minor as f64 / 10f64.powi(decimals)
    }

    /// The amount as an exact decimal in major units (`1234.50`, `-0.05`; `1500` for JPY):
    /// what a spreadsheet or an accountant reads.
    pub fn decimal(&self) -> String {
        let code = self.currency.to_ascii_uppercase();
        if ZERO_DECIMAL_CURRENCIES.contains(&code.as_str()) {
            return self.minor.to_string();
        }
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

/// ISO 4217 currencies without minor units that a business here may price in.
const ZERO_DECIMAL_CURRENCIES: &[&str] = &[
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV",
    "XAF", "XOF", "XPF",
];

/// What an event is built from besides the lead.
#[derive(Debug, Clone, PartialEq)]
pub struct Occurrence {
    pub kind: ConversionKind,
    /// When it happened: the capture for `Lead`, the status change for the others.
    pub at: DateTime<Utc>,
    /// `Purchase` only: what the lead was worth.
    pub value: Option<Money>,
    /// The business's ISO 3166 region (the customer's most likely country).
    pub country: Option<String>,
}

/// The Conversions API event for a lead's conversion.
pub fn build_event(lead: &Lead, occurrence: &Occurrence) -> ConversionEvent {
    let kind = occurrence.kind;
    let (first, last) = split_name(&lead.name);
    let external = lead.customer_id.as_deref().unwrap_or(&lead.id);
    let mut user_data = UserData {
        em: lead.email.as_deref().and_then(hashed(normalize_email)),
        ph: hashed(normalize_phone)(&lead.phone),
        first_name: first.and_then(hashed(normalize_name)),
        last_name: last.and_then(hashed(normalize_name)),
        country: occurrence
            .country
            .as_deref()
            .and_then(hashed(normalize_country)),
        external_id: hashed(normalize_external_id)(external),
        ..UserData::default()
    };
    let mut custom_data = CustomData {
        content_name: lead.service.clone(),
        ..CustomData::default()
    };
    let (action_source, event_source_url) = match kind {
        ConversionKind::Lead => {
            let touch = &lead.touch;
            user_data.client_ip_address = touch.ip.clone();
            user_data.client_user_agent = touch.user_agent.clone();
            user_data.fbc = touch.fbc(lead.created_at.timestamp_millis());
            user_data.fbp = touch.fbp.clone();
            (ActionSource::Website, touch.page_url.clone())
        }
        ConversionKind::Schedule | ConversionKind::Purchase => {
            custom_data.event_source = Some("crm".into());
            custom_data.lead_event_source = Some("Pipeline CRM".into());
            (ActionSource::SystemGenerated, None)
        }
    };
    if let (ConversionKind::Purchase, Some(value)) = (kind, &occurrence.value) {
        custom_data.value = Some(value.major());
        custom_data.currency = Some(value.currency.to_uppercase());
    }
    ConversionEvent {
        event_name: kind.event_name().into(),
        event_time: occurrence.at.timestamp(),
        event_id: kind.event_id(&lead.id),
        action_source,
        event_source_url,
        user_data,
        custom_data,
    }
}

/// Whether Meta would refuse an event that happened at `event_time` (more than 7 days ago).
pub fn is_too_old(event_time: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - event_time > Duration::days(MAX_EVENT_AGE_DAYS)
}

/// Events in requests of at most [`MAX_EVENTS_PER_REQUEST`].
pub fn requests<T>(events: &[T]) -> std::slice::Chunks<'_, T> {
    events.chunks(MAX_EVENTS_PER_REQUEST)
}

/// Lowercase hex SHA-256 of the UTF-8 text.
pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Normalises with `normalize`, then hashes; nothing when nothing is left.
fn hashed(normalize: fn(&str) -> Option<String>) -> impl Fn(&str) -> Option<String> {
    move |raw| normalize(raw).map(|n| sha256_hex(&n))
}

/// Email: trimmed and lowercased.
pub fn normalize_email(raw: &str) -> Option<String> {
    let email = raw.trim().to_lowercase();
    (email.contains('@')).then_some(email)
}

/// Phone: digits only, country code included, no leading zeros (our phones are E.164, so
/// dropping the `+` and any separators gives exactly that).
pub fn normalize_phone(raw: &str) -> Option<String> {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_start_matches('0');
    (digits.len() >= 7).then(|| digits.to_owned())
}

/// First or last name: trimmed, lowercase, no punctuation, UTF-8 letters kept.
pub fn normalize_name(raw: &str) -> Option<String> {
    let name: String = raw
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_ascii_punctuation())
        .collect();
    let name = name.trim().to_owned();
    (!name.is_empty()).then_some(name)
}

/// Country: the two-letter ISO 3166 code in lowercase.
pub fn normalize_country(raw: &str) -> Option<String> {
    let code = raw.trim().to_lowercase();
    (code.len() == 2 && code.chars().all(|c| c.is_ascii_lowercase())).then_some(code)
}

/// External id: trimmed (our ids are case-sensitive ULIDs, so no case folding).
pub fn normalize_external_id(raw: &str) -> Option<String> {
    let id = raw.trim();
    (!id.is_empty()).then(|| id.to_owned())
}

/// First and last word of a full name (a single word is a first name).
fn split_name(name: &str) -> (Option<&str>, Option<&str>) {
    let mut words = name.split_whitespace();
    let first = words.next();
    let last = words.next_back();
    (first, last)
}

/// An event not sent because Meta would have refused it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DroppedEvent {
    pub event_id: String,
    pub event_name: String,
    pub lead_id: String,
    pub event_time: DateTime<Utc>,
    pub reason: String,
    pub dropped_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lead::NewLead;
    use crate::domain::source::Touch;
    use chrono::TimeZone;

    // Independent vectors: `printf %s 'john@example.com' | sha256sum` and so on.
    const JOHN_EMAIL: &str = "855f96e983f1f8e8be944692b6f719fd54329826cb62e98015efee8e2e071dd4";
    const PHONE_353871234567: &str =
        "1f9b76eda5929486919bc7a0c9af4415c9aeafa0ae15a79d9ce4416a1cd1363a";
    const ANN: &str = "49915e0d7d4b402e3017d010bc1c0e83cac6c797d6c16e66340fe3268693a6a1";
    const MURPHY: &str = "ca700c8aa0b8566b842c86c4c1ce298b8d8e62f1a91d4698dc0f6d468ac399e1";
    const IE: &str = "292c1980ba2805512acfef5d0cf8f43fba5c7b9b73a5a7afad1c37cfacad3c98";
    const SEAN_ACCENTED: &str = "b163d259064c97a558e4b3d6b6fea96ce0d80823640e806840eec4ecda10971d";
    const LEAD_ID: &str = "01HZX0000000000000000000AA";
    const LEAD_ID_HASH: &str = "a8eefd29ddaebeec00a4040b6d2651450e104c0c0a9a6de80620235dda3edc41";

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn lead() -> Lead {
        let new = NewLead {
            name: "  Ann   Murphy ".into(),
            phone: "+353871234567".into(),
            phone_raw: "087 123 4567".into(),
            email: Some(" John@Example.COM ".into()),
            service: Some("Massage".into()),
            touch: Touch {
                fbclid: Some("IwAR123".into()),
                fbp: Some("fb.1.1700000000000.42".into()),
                page_url: Some("https://spa.example.com/book".into()),
                user_agent: Some("Mozilla/5.0".into()),
                ip: Some("203.0.113.9".into()),
                ..Touch::default()
            },
            ..NewLead::default()
        };
        Lead::create("t1", LEAD_ID, new, at(10, 12))
    }

    fn occurrence(kind: ConversionKind, value: Option<Money>) -> Occurrence {
        Occurrence {
            kind,
            at: at(12, 9),
            value,
            country: Some("IE".into()),
        }
    }

    #[test]
    fn hashes_match_independent_sha256_vectors() {
        assert_eq!(sha256_hex("john@example.com"), JOHN_EMAIL);
        let h = |n: fn(&str) -> Option<String>, raw: &str| hashed(n)(raw);
        assert_eq!(
            h(normalize_email, "  John@Example.COM ").as_deref(),
            Some(JOHN_EMAIL)
        );
        assert_eq!(
            h(normalize_phone, "+353 (87) 123-4567").as_deref(),
            Some(PHONE_353871234567)
        );
        assert_eq!(h(normalize_name, " ANN ").as_deref(), Some(ANN));
        assert_eq!(h(normalize_name, "Murphy,").as_deref(), Some(MURPHY));
        assert_eq!(h(normalize_name, " SÉAN ").as_deref(), Some(SEAN_ACCENTED));
        assert_eq!(h(normalize_country, "IE").as_deref(), Some(IE));
        assert_eq!(
            h(normalize_external_id, LEAD_ID).as_deref(),
            Some(LEAD_ID_HASH)
        );
    }

    #[test]
    fn normalisation_follows_meta_rules() {
        assert_eq!(
            normalize_phone("00353 87 123 4567").as_deref(),
            Some("353871234567")
        );
        assert_eq!(normalize_phone("12"), None);
        assert_eq!(normalize_email("not-an-email"), None);
        assert_eq!(normalize_name("O'Brien").as_deref(), Some("obrien"));
        assert_eq!(normalize_name(" . "), None);
        assert_eq!(normalize_country("Ireland"), None);
    }

    #[test]
    fn lead_event_is_a_website_event_with_browser_signals() {
        let lead = lead();
        let event = build_event(&lead, &occurrence(ConversionKind::Lead, None));
        assert_eq!(event.event_name, "Lead");
        assert_eq!(event.event_id, LEAD_ID);
        assert_eq!(event.event_time, at(12, 9).timestamp());
        assert_eq!(event.action_source, ActionSource::Website);
        assert_eq!(
            event.event_source_url.as_deref(),
            Some("https://spa.example.com/book")
        );
        let u = &event.user_data;
        assert_eq!(u.em.as_deref(), Some(JOHN_EMAIL));
        assert_eq!(u.ph.as_deref(), Some(PHONE_353871234567));
        assert_eq!(u.first_name.as_deref(), Some(ANN));
        assert_eq!(u.last_name.as_deref(), Some(MURPHY));
        assert_eq!(u.country.as_deref(), Some(IE));
        assert_eq!(u.external_id.as_deref(), Some(LEAD_ID_HASH));
        assert_eq!(u.client_ip_address.as_deref(), Some("203.0.113.9"));
        assert_eq!(u.client_user_agent.as_deref(), Some("Mozilla/5.0"));
        let created_ms = at(10, 12).timestamp_millis();
        assert_eq!(u.fbc, Some(format!("fb.1.{created_ms}.IwAR123")));
        assert_eq!(u.fbp.as_deref(), Some("fb.1.1700000000000.42"));
        assert_eq!(event.custom_data.event_source, None);

        let json = serde_json::to_value(&event).unwrap_or_default();
        assert_eq!(json["action_source"], "website");
        assert_eq!(json["user_data"]["fn"], ANN);
        assert_eq!(json["user_data"]["ln"], MURPHY);
        assert!(json["custom_data"].get("value").is_none());
    }

    #[test]
    fn crm_stages_are_system_generated_without_browser_signals() {
        let mut lead = lead();
        lead.customer_id = Some("CUST1".into());
        let event = build_event(&lead, &occurrence(ConversionKind::Schedule, None));
        assert_eq!(event.event_name, "Schedule");
        assert_eq!(event.event_id, format!("schedule-{LEAD_ID}"));
        assert_eq!(event.action_source, ActionSource::SystemGenerated);
        assert_eq!(event.event_source_url, None);
        assert_eq!(event.custom_data.event_source.as_deref(), Some("crm"));
        let u = &event.user_data;
        assert_eq!(u.client_ip_address, None);
        assert_eq!(u.fbc, None);
        assert_eq!(u.external_id, Some(sha256_hex("CUST1")));
        let json = serde_json::to_value(&event).unwrap_or_default();
        assert_eq!(json["action_source"], "system_generated");
        assert_eq!(json["custom_data"]["event_source"], "crm");
    }

    #[test]
    fn purchase_carries_value_in_major_units() {
        let value = Money {
            minor: 8550,
            currency: "eur".into(),
        };
        let event = build_event(&lead(), &occurrence(ConversionKind::Purchase, Some(value)));
        assert_eq!(event.event_name, "Purchase");
        assert_eq!(event.event_id, format!("purchase-{LEAD_ID}"));
        assert_eq!(event.custom_data.value, Some(85.5));
        assert_eq!(event.custom_data.currency.as_deref(), Some("EUR"));
        let yen = Money {
            minor: 5000,
            currency: "JPY".into(),
        };
        assert_eq!(yen.major(), 5000.0);
    }

    #[test]
    fn decimal_amounts_are_exact_in_major_units() {
        let money = |minor: i64, currency: &str| Money {
            minor,
            currency: currency.into(),
        };
        assert_eq!(money(123_450, "EUR").decimal(), "1234.50");
        assert_eq!(money(5, "eur").decimal(), "0.05");
        assert_eq!(money(-5, "EUR").decimal(), "-0.05");
        assert_eq!(money(0, "GBP").decimal(), "0.00");
        assert_eq!(money(1_500, "JPY").decimal(), "1500");
        assert_eq!(money(1_500, "jpy").decimal(), "1500");
    }

    #[test]
    fn only_booked_and_won_are_conversions() {
        assert_eq!(
            ConversionKind::of_status(LeadStatus::Booked),
            Some(ConversionKind::Schedule)
        );
        assert_eq!(
            ConversionKind::of_status(LeadStatus::Won),
            Some(ConversionKind::Purchase)
        );
        for s in [
            LeadStatus::New,
            LeadStatus::Contacted,
            LeadStatus::FollowUp,
            LeadStatus::Lost,
        ] {
            assert_eq!(ConversionKind::of_status(s), None, "{s}");
        }
    }

    #[test]
    fn events_older_than_seven_days_are_too_old() {
        let now = at(20, 12);
        assert!(!is_too_old(now - Duration::days(7), now));
        assert!(is_too_old(
            now - Duration::days(7) - Duration::seconds(1),
            now
        ));
        assert!(!is_too_old(now, now));
    }

    #[test]
    fn requests_hold_at_most_a_thousand_events() {
        let events: Vec<u32> = (0..2001).collect();
        let sizes: Vec<usize> = requests(&events).map(<[u32]>::len).collect();
        assert_eq!(sizes, vec![1000, 1000, 1]);
        assert_eq!(requests::<u32>(&[]).count(), 0);
    }
}
