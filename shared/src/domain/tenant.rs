//! Tenants: a business and its settings.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::customer::Thresholds;
use crate::domain::hours::DailySpan;
use crate::domain::secret::Secret;

/// Meta Conversions API credentials of a tenant (DESIGN §2.5). The token is written by the
/// owner, stored sealed and never returned by a read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetaSettings {
    pub pixel_id: String,
    pub access_token: Secret,
    /// Meta's test-events code, while the owner checks the setup in Events Manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_event_code: Option<String>,
}

/// How many leads the public form takes per minute (issue 17): in all, and from one client
/// address. Over either, a capture is answered 429 with `Retry-After` and nothing is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaptureLimits {
    /// Captures per minute for the whole tenant.
    #[schema(minimum = 1, maximum = 1000000)]
    pub per_minute: u32,
    /// Captures per minute from one client address.
    #[schema(minimum = 1, maximum = 1000000)]
    pub per_client_per_minute: u32,
}

impl CaptureLimits {
    /// Highest limits the settings accept.
    pub const MAX_PER_MINUTE: u32 = 1_000_000;
    /// As high as the whole: one client may be a partner's server posting every lead.
    pub const MAX_PER_CLIENT_PER_MINUTE: u32 = 1_000_000;
}

impl Default for CaptureLimits {
    /// A busy salon's ad takes a few leads a minute at its peak, so 60 leaves room; one
    /// person (or one shop's Wi-Fi) rarely sends more than a couple, so 10 does.
    fn default() -> Self {
        CaptureLimits {
            per_minute: 60,
            per_client_per_minute: 10,
        }
    }
}

/// How many texts may go out per day (UTC), to one number and from the business in all
/// (issue 17): a run of missed calls from one number, or a flood of them, cannot turn into a
/// run of texts. What the caps hold back is skipped, with the reason, on the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SmsLimits {
    /// Texts to one number per day.
    #[schema(minimum = 1, maximum = 100)]
    pub per_number_per_day: u32,
    /// Texts from the business per day.
    #[schema(minimum = 1, maximum = 100000)]
    pub per_day: u32,
}

impl SmsLimits {
    pub const MAX_PER_NUMBER_PER_DAY: u32 = 100;
    pub const MAX_PER_DAY: u32 = 100_000;
}

impl Default for SmsLimits {
    /// A customer gets a recovery text, a reminder and a review request on a busy day; a
    /// salon sends a few dozen texts a day, a chain a few hundred.
    fn default() -> Self {
        SmsLimits {
            per_number_per_day: 5,
            per_day: 500,
        }
    }
}

/// The landing page's content beyond the business name and services (`GET /p/{tenant}/book`).
/// Every field is optional: the page leaves out what is not set.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LandingSettings {
    /// The page's heading; default "Book at <business name>".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub headline: Option<String>,
    /// An https image shown above the heading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub logo_url: Option<String>,
    /// Average review rating out of 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub rating: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub review_count: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub address: Option<String>,
    /// "We reply within N minutes".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub reply_within_minutes: Option<u32>,
}

/// Settings of one business (DESIGN §3 `GET/PATCH /settings`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantSettings {
    pub tenant_id: String,
    pub business_name: String,
    /// ISO 3166 alpha-2 region for reading national phone numbers.
    pub default_region: String,
    /// IANA time zone name.
    #[serde(default = "default_time_zone")]
    pub time_zone: String,
    /// Where a prospect is sent after leaving their details (the booking system).
    pub redirect_url: String,
    /// Texts sent without anyone asking (DESIGN §2.4), each off until the owner turns it on.
    #[serde(default)]
    pub auto_texts: AutoTexts,
    /// The query parameter that carries the lead's id on that redirect, so the booking
    /// system can send it back with the booking (empty: the id is not added).
    #[serde(default = "default_lead_id_param")]
    pub lead_id_param: String,
    /// Hours after capture an open lead without a booking is flagged stale.
    #[serde(default = "default_stale_after_hours")]
    pub stale_after_hours: u32,
    /// Window in which the same phone returns the same lead.
    #[serde(default = "default_dedupe_window_hours")]
    pub dedupe_window_hours: u32,
    /// Currency of money amounts (ISO 4217).
    #[serde(default = "default_currency")]
    pub currency: String,
    #[serde(default)]
    pub services: Vec<String>,
    /// Customer classification thresholds (segments, tags, tiers, points).
    #[serde(default)]
    pub thresholds: Thresholds,
    /// Key of the HMAC signatures on this tenant's webhooks; none → webhooks refused (401).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_secret: Option<Secret>,
    /// Local hours in which no text goes out: a message waits for their end (DESIGN §2.4).
    #[serde(default = "DailySpan::default_quiet")]
    pub quiet_hours: DailySpan,
    /// Local opening hours: a new lead's "contact lead" task is due one business hour later.
    #[serde(default = "DailySpan::default_business")]
    pub business_hours: DailySpan,
    /// Text templates by kind (`missed_call`, `review_request`, `follow_up`, `manual`),
    /// overriding the built-in ones; `{first_name}`, `{name}`, `{business}`,
    /// `{booking_url}` and `{review_url}` are filled in.
    #[serde(default)]
    pub templates: BTreeMap<String, String>,
    /// The number (or messaging service id) texts are sent from; none → the provider's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_from: Option<String>,
    /// Minutes after a completed visit that its review request goes out.
    #[serde(default = "default_review_delay_minutes")]
    pub review_delay_minutes: u32,
    /// Where review requests send the customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_url: Option<String>,
    /// Minutes after a missed call that the recovery text goes out by itself; none → staff
    /// send it from the recovery queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missed_call_sms_after_minutes: Option<u32>,
    /// Meta Conversions API; none → no conversion events are sent (and none fail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<MetaSettings>,
    /// What the landing page shows besides the name and services (issue 6).
    #[serde(default)]
    pub landing: LandingSettings,
    /// How many leads the public form takes per minute.
    #[serde(default)]
    pub capture_limits: CaptureLimits,
    /// Countries (ISO 3166 alpha-2) texts may go to; empty: the business's own
    /// (`default_region`). Premium-rate and shared-cost numbers never get texts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sms_countries: Vec<String>,
    /// Daily caps on texts.
    #[serde(default)]
    pub sms_limits: SmsLimits,
}

impl TenantSettings {
    /// The booking page a prospect is sent to after leaving `lead_id`: the redirect URL with
    /// the lead's id in [`Self::lead_id_param`] (replacing one the URL already names).
    pub fn redirect_for(&self, lead_id: &str) -> String {
        let param = self.lead_id_param.as_str();
        if param.is_empty() {
            return self.redirect_url.clone();
        }
        let (rest, fragment) = match self.redirect_url.split_once('#') {
            Some((r, f)) => (r, Some(f)),
            None => (self.redirect_url.as_str(), None),
        };
        let (base, query) = rest.split_once('?').unwrap_or((rest, ""));
        let mut pairs: Vec<String> = query
            .split('&')
            .filter(|p| !p.is_empty() && p.split('=').next() != Some(param))
            .map(str::to_owned)
            .collect();
        pairs.push(format!("{param}={lead_id}"));
        let mut url = format!("{base}?{}", pairs.join("&"));
        if let Some(f) = fragment {
            url.push('#');
            url.push_str(f);
        }
        url
    }

    /// Why a text to `to` (E.164) must not go out at all, if it must not: a country the
    /// business does not text, or a premium-rate or shared-cost line.
    pub fn sms_destination_refusal(&self, to: &str) -> Option<String> {
        let Some(dest) = crate::domain::phone::destination(to) else {
            return Some("not a phone number texts can go to".into());
        };
        if dest.premium {
            return Some("a premium-rate or shared-cost number: no texts go there".into());
        }
        let allowed: Vec<&str> = if self.sms_countries.is_empty() {
            vec![self.default_region.as_str()]
        } else {
            self.sms_countries.iter().map(String::as_str).collect()
        };
        let codes: Vec<u16> = allowed
            .iter()
            .filter_map(|r| crate::domain::phone::calling_code(r))
            .collect();
        (!codes.contains(&dest.calling_code)).then(|| {
            format!(
                "texts to +{} numbers are not allowed for this business (texting: {})",
                dest.calling_code,
                allowed.join(", ")
            )
        })
    }
}

fn default_time_zone() -> String {
    "Europe/Dublin".into()
}
/// Which texts go out by themselves (quiet hours and opt-outs apply as to every text).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AutoTexts {
    /// A follow-up text to a new lead who consented to texts, after capture.
    #[serde(default)]
    pub lead_follow_up: bool,
    /// A greeting to a customer who consented to marketing when they reach a milestone.
    #[serde(default)]
    pub milestone_greetings: bool,
}

fn default_lead_id_param() -> String {
    "lead_id".into()
}

fn default_stale_after_hours() -> u32 {
    48
}
fn default_dedupe_window_hours() -> u32 {
    24
}
fn default_review_delay_minutes() -> u32 {
    120
}
fn default_currency() -> String {
    "EUR".into()
}

impl TenantSettings {
    pub fn new(
        tenant_id: &str,
        business_name: &str,
        default_region: &str,
        redirect_url: &str,
    ) -> Self {
        Self {
            tenant_id: tenant_id.into(),
            business_name: business_name.into(),
            default_region: default_region.into(),
            time_zone: default_time_zone(),
            redirect_url: redirect_url.into(),
            lead_id_param: default_lead_id_param(),
            auto_texts: AutoTexts::default(),
            stale_after_hours: default_stale_after_hours(),
            dedupe_window_hours: default_dedupe_window_hours(),
            currency: default_currency(),
            services: Vec::new(),
            thresholds: Thresholds::default(),
            webhook_secret: None,
            quiet_hours: DailySpan::default_quiet(),
            business_hours: DailySpan::default_business(),
            templates: BTreeMap::new(),
            sms_from: None,
            review_delay_minutes: default_review_delay_minutes(),
            review_url: None,
            missed_call_sms_after_minutes: None,
            meta: None,
            landing: LandingSettings::default(),
            capture_limits: CaptureLimits::default(),
            sms_countries: Vec::new(),
            sms_limits: SmsLimits::default(),
        }
    }
}

/// Whether a tenant id is well formed: lowercase letters, digits and dashes, 2–40 long.
pub fn is_valid_tenant_id(id: &str) -> bool {
    (2..=40).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
}

/// A new business as its owner describes it when signing up (`POST /tenants`, crm-local's
/// first-run setup, the operator CLI): the rest of its settings start at their defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBusiness {
    pub name: String,
    /// ISO 3166 alpha-2: how its customers' national phone numbers read.
    pub country: String,
    /// IANA time zone name.
    pub time_zone: String,
    /// ISO 4217.
    pub currency: String,
}

/// The fields of a [`NewBusiness`] in a request body.
pub const NEW_BUSINESS_FIELDS: &[&str] = &["business_name", "country", "time_zone", "currency"];

impl NewBusiness {
    /// Reads `business_name`, `country`, `time_zone` and `currency` from `input`, naming every
    /// bad one in `f`.
    pub fn read(
        f: &mut crate::domain::validation::Fields,
        input: &serde_json::Map<String, serde_json::Value>,
    ) -> Option<NewBusiness> {
        let name = f.required_text(input, "business_name", 100);
        if name
            .as_deref()
            .is_some_and(|n| crate::domain::member::tenant_id_from_name(n).is_none())
        {
            f.error(
                "business_name",
                "must contain at least two letters or digits",
            );
        }
        let country = f
            .required_text(input, "country", 2)
            .map(|c| c.to_ascii_uppercase());
        if country
            .as_deref()
            .is_some_and(|c| !crate::domain::phone::is_known_region(c))
        {
            f.error("country", "must be an ISO 3166 country code such as IE");
        }
        let time_zone = f.required_text(input, "time_zone", 64);
        if time_zone
            .as_deref()
            .is_some_and(|z| !crate::domain::hours::is_zone(z))
        {
            f.error(
                "time_zone",
                "must be an IANA time zone such as Europe/Dublin",
            );
        }
        let currency = f
            .required_text(input, "currency", 3)
            .map(|c| c.to_ascii_uppercase());
        if currency
            .as_deref()
            .is_some_and(|c| c.len() != 3 || !c.bytes().all(|b| b.is_ascii_uppercase()))
        {
            f.error("currency", "must be an ISO 4217 code such as EUR");
        }
        if !f.errors.is_empty() {
            return None;
        }
        Some(NewBusiness {
            name: name?,
            country: country?,
            time_zone: time_zone?,
            currency: currency?,
        })
    }

    /// The new tenant's settings: these, and defaults for the rest. Until the owner sets
    /// their booking system's address, a prospect who leaves their details comes back to the
    /// booking page.
    pub fn settings(&self, tenant_id: &str) -> TenantSettings {
        let mut settings = TenantSettings::new(
            tenant_id,
            &self.name,
            &self.country,
            &format!("/p/{tenant_id}/book"),
        );
        settings.time_zone = self.time_zone.clone();
        settings.currency = self.currency.clone();
        settings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_redirect_names_the_lead_in_the_tenants_parameter_keeping_the_rest_of_the_url() {
        let mut s = TenantSettings::new("t", "T", "IE", "https://book.example/t");
        assert_eq!(s.redirect_for("01L"), "https://book.example/t?lead_id=01L");
        s.redirect_url = "https://book.example/t?service=spa&lead_id=old#top".into();
        assert_eq!(
            s.redirect_for("01L"),
            "https://book.example/t?service=spa&lead_id=01L#top"
        );
        s.lead_id_param = "ref".into();
        assert_eq!(
            s.redirect_for("01L"),
            "https://book.example/t?service=spa&lead_id=old&ref=01L#top"
        );
        s.lead_id_param = String::new();
        assert_eq!(s.redirect_for("01L"), s.redirect_url);
    }
}
