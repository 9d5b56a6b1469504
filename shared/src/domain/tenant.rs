//! Tenants: a business and its settings.

use serde::{Deserialize, Serialize};

use crate::domain::customer::Thresholds;

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
    pub webhook_secret: Option<String>,
}

fn default_time_zone() -> String {
    "Europe/Dublin".into()
}
fn default_stale_after_hours() -> u32 {
    48
}
fn default_dedupe_window_hours() -> u32 {
    24
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
            stale_after_hours: default_stale_after_hours(),
            dedupe_window_hours: default_dedupe_window_hours(),
            currency: default_currency(),
            services: Vec::new(),
            thresholds: Thresholds::default(),
            webhook_secret: None,
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
