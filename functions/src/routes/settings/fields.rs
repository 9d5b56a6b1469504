//! The tenant settings as the API shows them (secrets never leave: the webhook secret and
//! the Meta access token are reported only as set or not) and the checked patch of them.

use crm_shared::domain::customer::Thresholds;
use crm_shared::domain::hours::{is_zone, DailySpan};
use crm_shared::domain::message::{check_template, MessageKind};
use crm_shared::domain::phone;
use crm_shared::domain::secret::Secret;
use crm_shared::domain::tenant::{
    CaptureLimits, LandingSettings, MetaSettings, SmsLimits, TenantSettings,
};
use crm_shared::domain::validation::Fields;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Fields a `PATCH /settings` may carry.
pub const FIELDS: &[&str] = &[
    "business_name",
    "time_zone",
    "default_region",
    "redirect_url",
    "lead_id_param",
    "auto_texts",
    "stale_after_hours",
    "dedupe_window_hours",
    "currency",
    "services",
    "thresholds",
    "quiet_hours",
    "business_hours",
    "templates",
    "sms_from",
    "review_delay_minutes",
    "review_url",
    "missed_call_sms_after_minutes",
    "meta",
    "webhook_secret",
    "landing",
    "capture_limits",
    "sms_countries",
    "sms_limits",
];

/// The settings as the API shows them: without their secrets, at their version.
#[derive(Serialize, ToSchema)]
#[schema(as = Settings)]
pub struct SettingsView {
    pub tenant_id: String,
    pub business_name: String,
    /// ISO 3166 alpha-2 region for reading national phone numbers.
    pub default_region: String,
    /// IANA time zone name.
    pub time_zone: String,
    pub redirect_url: String,
    /// The query parameter naming the lead on that redirect (empty: none).
    pub lead_id_param: String,
    pub auto_texts: crm_shared::domain::tenant::AutoTexts,
    pub stale_after_hours: u32,
    pub dedupe_window_hours: u32,
    /// ISO 4217.
    #[schema(pattern = "^[A-Z]{3}$")]
    pub currency: String,
    pub services: Vec<String>,
    pub thresholds: Thresholds,
    pub quiet_hours: DailySpan,
    pub business_hours: DailySpan,
    /// Every message kind's template, the tenant's own or the built-in one.
    pub templates: BTreeMap<MessageKind, TemplateView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub sms_from: Option<String>,
    pub review_delay_minutes: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub review_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub missed_call_sms_after_minutes: Option<u32>,
    #[schema(required)]
    pub meta: Option<MetaView>,
    pub landing: LandingSettings,
    pub capture_limits: CaptureLimits,
    /// Countries texts may go to; empty: the business's own (`default_region`).
    pub sms_countries: Vec<String>,
    pub sms_limits: SmsLimits,
    pub webhook_secret_set: bool,
    #[schema(minimum = 0)]
    pub version: u64,
}

/// A message kind's template.
#[derive(Serialize, ToSchema)]
pub struct TemplateView {
    pub text: String,
    /// The tenant's own (rather than the built-in one).
    pub custom: bool,
}

/// The Meta Conversions API settings; the access token only as set or not.
#[derive(Serialize, ToSchema)]
pub struct MetaView {
    pub pixel_id: String,
    #[schema(required)]
    pub test_event_code: Option<String>,
    pub access_token_set: bool,
}

impl SettingsView {
    /// `settings` without their secrets, at `version`.
    pub fn of(settings: &TenantSettings, version: u64) -> Self {
        let s = settings.clone();
        SettingsView {
            templates: MessageKind::ALL
                .iter()
                .map(|k| {
                    let custom = s.templates.get(k.as_str());
                    let text = custom.map(String::as_str).unwrap_or(k.default_template());
                    let view = TemplateView {
                        text: text.to_owned(),
                        custom: custom.is_some(),
                    };
                    (*k, view)
                })
                .collect(),
            meta: s.meta.map(|meta| MetaView {
                access_token_set: !meta.access_token.is_empty(),
                pixel_id: meta.pixel_id,
                test_event_code: meta.test_event_code,
            }),
            webhook_secret_set: s.webhook_secret.is_some(),
            tenant_id: s.tenant_id,
            business_name: s.business_name,
            default_region: s.default_region,
            time_zone: s.time_zone,
            redirect_url: s.redirect_url,
            lead_id_param: s.lead_id_param,
            auto_texts: s.auto_texts,
            stale_after_hours: s.stale_after_hours,
            dedupe_window_hours: s.dedupe_window_hours,
            currency: s.currency,
            services: s.services,
            thresholds: s.thresholds,
            quiet_hours: s.quiet_hours,
            business_hours: s.business_hours,
            sms_from: s.sms_from,
            review_delay_minutes: s.review_delay_minutes,
            review_url: s.review_url,
            missed_call_sms_after_minutes: s.missed_call_sms_after_minutes,
            landing: s.landing,
            capture_limits: s.capture_limits,
            sms_countries: s.sms_countries,
            sms_limits: s.sms_limits,
            version,
        }
    }
}

fn is_web_url(text: &str) -> bool {
    (text.starts_with("https://") || text.starts_with("http://"))
        && text.len() > 8
        && !text.chars().any(char::is_whitespace)
}

fn int(f: &mut Fields, v: &Value, field: &str, min: i64, max: i64) -> Option<i64> {
    match v.as_i64() {
        Some(n) if (min..=max).contains(&n) => Some(n),
        _ => {
            f.error(field, format!("must be a whole number from {min} to {max}"));
            None
        }
    }
}

fn span(f: &mut Fields, v: &Value, field: &str) -> Option<DailySpan> {
    match serde_json::from_value::<DailySpan>(v.clone()) {
        Ok(s) => Some(s),
        Err(_) => {
            f.error(field, "must be {\"start\": \"HH:MM\", \"end\": \"HH:MM\"}");
            None
        }
    }
}

/// Applies a patch to `settings`, naming every bad field.
pub fn apply(
    settings: &mut TenantSettings,
    input: &Map<String, Value>,
) -> Vec<crm_shared::domain::validation::FieldError> {
    let mut f = Fields::default();
    f.reject_unknown(input, FIELDS);
    for (field, v) in input {
        let field = field.as_str();
        match field {
            "business_name" => {
                if let Some(t) = f.required_text(input, field, 100) {
                    settings.business_name = t;
                }
            }
            "time_zone" => match v.as_str() {
                Some(z) if is_zone(z) => settings.time_zone = z.to_owned(),
                _ => f.error(field, "must be an IANA time zone such as Europe/Dublin"),
            },
            "default_region" => match v.as_str() {
                Some(r) if phone::is_known_region(r) => settings.default_region = r.to_owned(),
                _ => f.error(field, "must be an ISO 3166 region code such as IE"),
            },
            "redirect_url" => match v.as_str() {
                Some(u) if is_web_url(u) && u.len() <= 500 => settings.redirect_url = u.to_owned(),
                _ => f.error(field, "must be an http(s) URL of at most 500 characters"),
            },
            "auto_texts" => match v.as_object() {
                Some(m) => {
                    let mut g = Fields::default();
                    g.reject_unknown(m, &["lead_follow_up", "milestone_greetings"]);
                    if let Some(on) = g.flag(m, "lead_follow_up") {
                        settings.auto_texts.lead_follow_up = on;
                    }
                    if let Some(on) = g.flag(m, "milestone_greetings") {
                        settings.auto_texts.milestone_greetings = on;
                    }
                    for e in g.errors {
                        f.error(&format!("auto_texts.{}", e.field), e.reason);
                    }
                }
                None => f.error(field, "must be {lead_follow_up, milestone_greetings}"),
            },
            "lead_id_param" => match v.as_str() {
                Some(p)
                    if p.len() <= 40
                        && p.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b)) =>
                {
                    settings.lead_id_param = p.to_owned()
                }
                _ => f.error(
                    field,
                    "must be a query parameter name (letters, digits, _ - .; at most 40) or empty",
                ),
            },
            "review_url" => match v {
                Value::Null => settings.review_url = None,
                Value::String(u) if is_web_url(u) && u.len() <= 500 => {
                    settings.review_url = Some(u.clone())
                }
                _ => f.error(
                    field,
                    "must be an http(s) URL of at most 500 characters, or null",
                ),
            },
            "stale_after_hours" => {
                if let Some(n) = int(&mut f, v, field, 1, 720) {
                    settings.stale_after_hours = n as u32;
                }
            }
            "dedupe_window_hours" => {
                if let Some(n) = int(&mut f, v, field, 1, 168) {
                    settings.dedupe_window_hours = n as u32;
                }
            }
            "review_delay_minutes" => {
                if let Some(n) = int(&mut f, v, field, 0, 10_080) {
                    settings.review_delay_minutes = n as u32;
                }
            }
            "missed_call_sms_after_minutes" => {
                if v.is_null() {
                    settings.missed_call_sms_after_minutes = None;
                } else if let Some(n) = int(&mut f, v, field, 0, 1_440) {
                    settings.missed_call_sms_after_minutes = Some(n as u32);
                }
            }
            "currency" => match v.as_str() {
                Some(c) if c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()) => {
                    settings.currency = c.to_owned()
                }
                _ => f.error(field, "must be an ISO 4217 code such as EUR"),
            },
            "services" => match v.as_array() {
                Some(list)
                    if list.len() <= 50
                        && list.iter().all(|s| {
                            s.as_str()
                                .is_some_and(|s| !s.trim().is_empty() && s.chars().count() <= 80)
                        }) =>
                {
                    settings.services = list
                        .iter()
                        .filter_map(Value::as_str)
                        .map(|s| s.trim().to_owned())
                        .collect();
                }
                _ => f.error(
                    field,
                    "must be a list of at most 50 names of 1 to 80 characters",
                ),
            },
            "quiet_hours" => {
                if let Some(s) = span(&mut f, v, field) {
                    settings.quiet_hours = s;
                }
            }
            "business_hours" => {
                if let Some(s) = span(&mut f, v, field) {
                    settings.business_hours = s;
                }
            }
            "sms_from" => match v {
                Value::Null => settings.sms_from = None,
                _ => {
                    if let Some(t) = f.required_text(input, field, 40) {
                        settings.sms_from = Some(t);
                    }
                }
            },
            "webhook_secret" => match v.as_str() {
                Some(s) if (16..=200).contains(&s.len()) && !s.chars().any(char::is_whitespace) => {
                    settings.webhook_secret = Some(Secret::plain(s))
                }
                _ => f.error(field, "must be 16 to 200 characters without spaces"),
            },
            "templates" => templates(&mut f, settings, v),
            "thresholds" => thresholds(&mut f, settings, v),
            "meta" => meta(&mut f, settings, v),
            "landing" => landing(&mut f, settings, v),
            "capture_limits" => capture_limits(&mut f, settings, v),
            "sms_countries" => match v.as_array() {
                Some(list)
                    if list.len() <= 50
                        && list
                            .iter()
                            .all(|c| c.as_str().is_some_and(phone::is_known_region)) =>
                {
                    let mut codes: Vec<String> = list
                        .iter()
                        .filter_map(|c| c.as_str())
                        .map(|c| c.trim().to_ascii_uppercase())
                        .collect();
                    codes.sort();
                    codes.dedup();
                    settings.sms_countries = codes;
                }
                _ => f.error(
                    field,
                    "must be a list of at most 50 country codes such as IE (empty: the business's own)",
                ),
            },
            "sms_limits" => sms_limits(&mut f, settings, v),
            _ => {}
        }
    }
    f.errors
}

fn templates(f: &mut Fields, settings: &mut TenantSettings, v: &Value) {
    let Some(map) = v.as_object() else {
        f.error(
            "templates",
            "must be an object of message kind to text (null resets one)",
        );
        return;
    };
    for (kind, text) in map {
        let field = format!("templates.{kind}");
        if MessageKind::parse(kind).is_none() {
            f.error(&field, "is not a message kind");
            continue;
        }
        match text {
            Value::Null => {
                settings.templates.remove(kind);
            }
            Value::String(t) => match check_template(t) {
                Ok(()) => {
                    settings.templates.insert(kind.clone(), t.trim().to_owned());
                }
                Err(e) => f.error(&field, e.to_string()),
            },
            _ => f.error(&field, "must be a text or null"),
        }
    }
}

fn thresholds(f: &mut Fields, settings: &mut TenantSettings, v: &Value) {
    let (Some(patch), Ok(Value::Object(mut current))) =
        (v.as_object(), serde_json::to_value(&settings.thresholds))
    else {
        f.error("thresholds", "must be an object");
        return;
    };
    for (k, val) in patch {
        if !current.contains_key(k) {
            f.error(&format!("thresholds.{k}"), "is not a known threshold");
            continue;
        }
        current.insert(k.clone(), val.clone());
    }
    match serde_json::from_value::<Thresholds>(Value::Object(current)) {
        Ok(t) => {
            let numbers = [
                t.vip_visits,
                t.vip_ltv,
                t.dormant_after_days,
                t.loyal_visits,
                t.points_per_unit,
                t.high_value_spend,
            ];
            let tiers = t.tier_points;
            let visits = t.visit_milestones;
            if numbers.iter().any(|n| *n < 0) || t.inactive_after_months == 0 {
                f.error(
                    "thresholds",
                    "numbers must not be negative, months at least 1",
                );
            } else if !(tiers[0] <= tiers[1] && tiers[1] <= tiers[2]) || tiers[0] < 0 {
                f.error(
                    "thresholds.tier_points",
                    "must be three ascending, non-negative numbers",
                );
            } else if !(1 <= visits[0] && visits[0] < visits[1] && visits[1] < visits[2]) {
                f.error(
                    "thresholds.visit_milestones",
                    "must be three rising visit counts, the first at least 1",
                );
            } else {
                settings.thresholds = t;
            }
        }
        Err(e) => f.error("thresholds", format!("has a value of the wrong type: {e}")),
    }
}

fn meta(f: &mut Fields, settings: &mut TenantSettings, v: &Value) {
    let input = match v {
        Value::Null => {
            settings.meta = None;
            return;
        }
        Value::Object(m) => m,
        _ => {
            f.error(
                "meta",
                "must be {pixel_id, access_token, test_event_code} or null",
            );
            return;
        }
    };
    let mut g = Fields::default();
    g.reject_unknown(input, &["pixel_id", "access_token", "test_event_code"]);
    let pixel = g.required_text(input, "pixel_id", 30);
    if pixel
        .as_ref()
        .is_some_and(|p| p.len() < 5 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        g.error("pixel_id", "must be the pixel's digits");
    }
    let token = g
        .text(input, "access_token", 1_000, false)
        .map(Secret::plain);
    let test_code = g.text(input, "test_event_code", 40, false);
    let kept_token = settings.meta.as_ref().map(|m| m.access_token.clone());
    let token = token.or(kept_token);
    if token.is_none() && g.errors.is_empty() {
        g.error("access_token", "is required when Meta is first configured");
    }
    for e in g.errors {
        f.error(&format!("meta.{}", e.field), e.reason);
    }
    if let (Some(pixel_id), Some(access_token)) = (pixel, token) {
        settings.meta = Some(MetaSettings {
            pixel_id,
            access_token,
            test_event_code: test_code,
        });
    }
}

/// What `landing` may carry; each key present replaces that field (`null` or `""` clears it),
/// keys left out keep their value.
const LANDING_FIELDS: &[&str] = &[
    "headline",
    "logo_url",
    "rating",
    "review_count",
    "address",
    "reply_within_minutes",
];

/// `{per_number_per_day, per_day}`: either or both change.
fn sms_limits(f: &mut Fields, settings: &mut TenantSettings, v: &Value) {
    let Some(input) = v.as_object() else {
        f.error(
            "sms_limits",
            "must be an object of per_number_per_day, per_day",
        );
        return;
    };
    for unknown in input
        .keys()
        .filter(|k| !["per_number_per_day", "per_day"].contains(&k.as_str()))
    {
        f.error(&format!("sms_limits.{unknown}"), "is not a known field");
    }
    let mut next = settings.sms_limits;
    if let Some(v) = input.get("per_number_per_day") {
        let max = i64::from(SmsLimits::MAX_PER_NUMBER_PER_DAY);
        if let Some(n) = int(f, v, "sms_limits.per_number_per_day", 1, max) {
            next.per_number_per_day = n as u32;
        }
    }
    if let Some(v) = input.get("per_day") {
        if let Some(n) = int(
            f,
            v,
            "sms_limits.per_day",
            1,
            i64::from(SmsLimits::MAX_PER_DAY),
        ) {
            next.per_day = n as u32;
        }
    }
    settings.sms_limits = next;
}

/// `{per_minute, per_client_per_minute}`: either or both change.
fn capture_limits(f: &mut Fields, settings: &mut TenantSettings, v: &Value) {
    let Some(input) = v.as_object() else {
        f.error(
            "capture_limits",
            "must be an object of per_minute, per_client_per_minute",
        );
        return;
    };
    for unknown in input
        .keys()
        .filter(|k| !["per_minute", "per_client_per_minute"].contains(&k.as_str()))
    {
        f.error(&format!("capture_limits.{unknown}"), "is not a known field");
    }
    let mut next = settings.capture_limits;
    if let Some(v) = input.get("per_minute") {
        let max = i64::from(CaptureLimits::MAX_PER_MINUTE);
        if let Some(n) = int(f, v, "capture_limits.per_minute", 1, max) {
            next.per_minute = n as u32;
        }
    }
    if let Some(v) = input.get("per_client_per_minute") {
        let max = i64::from(CaptureLimits::MAX_PER_CLIENT_PER_MINUTE);
        if let Some(n) = int(f, v, "capture_limits.per_client_per_minute", 1, max) {
            next.per_client_per_minute = n as u32;
        }
    }
    settings.capture_limits = next;
}

fn landing(f: &mut Fields, settings: &mut TenantSettings, v: &Value) {
    let Some(input) = v.as_object() else {
        f.error(
            "landing",
            "must be an object of headline, logo_url, rating, review_count, address, reply_within_minutes",
        );
        return;
    };
    let mut g = Fields::default();
    g.reject_unknown(input, LANDING_FIELDS);
    let mut next: LandingSettings = settings.landing.clone();
    for (field, value) in input {
        match field.as_str() {
            "headline" => next.headline = g.text(input, field, 120, false),
            "address" => next.address = g.text(input, field, 200, false),
            "logo_url" => {
                next.logo_url = match value {
                    Value::Null => None,
                    Value::String(u) if u.trim().is_empty() => None,
                    Value::String(u)
                        if u.trim().starts_with("https://")
                            && is_web_url(u.trim())
                            && u.trim().len() <= 500 =>
                    {
                        Some(u.trim().to_owned())
                    }
                    _ => {
                        g.error(
                            field,
                            "must be an https URL of at most 500 characters, or null",
                        );
                        None
                    }
                }
            }
            "rating" => {
                next.rating = match value {
                    Value::Null => None,
                    Value::Number(n) => match n.as_f64() {
                        Some(r) if (0.0..=5.0).contains(&r) => Some((r * 10.0).round() / 10.0),
                        _ => {
                            g.error(field, "must be a number from 0 to 5, or null");
                            None
                        }
                    },
                    _ => {
                        g.error(field, "must be a number from 0 to 5, or null");
                        None
                    }
                }
            }
            "review_count" => {
                next.review_count = if value.is_null() {
                    None
                } else {
                    int(&mut g, value, field, 0, 10_000_000).map(|n| n as u32)
                }
            }
            "reply_within_minutes" => {
                next.reply_within_minutes = if value.is_null() {
                    None
                } else {
                    int(&mut g, value, field, 1, 1_440).map(|n| n as u32)
                }
            }
            _ => {}
        }
    }
    if g.errors.is_empty() {
        settings.landing = next;
    }
    for e in g.errors {
        f.error(&format!("landing.{}", e.field), e.reason);
    }
}
