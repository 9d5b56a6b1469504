//! `TwilioSms`: the SMS port over Twilio's Messages REST API (and any provider that speaks it).
//! `POST {base}/2010-04-01/Accounts/{sid}/Messages.json`, form fields `To`, `Body` and `From`
//! (or `MessagingServiceSid` for an `MG…` sender), HTTP basic auth with the account SID and
//! auth token (kept sealed, opened by the vault when a text goes out). 2xx → sent; 429 and 5xx, timeouts and network errors → try again; any other
//! 4xx → refused for good, with Twilio's code and message as the reason.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::Deserialize;

use crate::domain::secret::{self, Purpose, Secret};
use crate::ports::sms::{Sms, SmsError, SmsProvider};
use crate::ports::vault::Vault;

/// Where and as whom to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TwilioConfig {
    /// `https://api.twilio.com` in production; a stub's URL in tests.
    pub base_url: String,
    pub account_sid: String,
    /// Sealed for the platform (`crm-admin seal sms-token`).
    pub auth_token: Secret,
    /// Sender when a tenant names none.
    pub default_from: Option<String>,
    pub timeout: Duration,
}

#[derive(Clone)]
pub struct TwilioSms {
    http: reqwest::Client,
    config: TwilioConfig,
    vault: Arc<dyn Vault>,
}

#[derive(Deserialize)]
struct Created {
    sid: String,
}

#[derive(Deserialize, Default)]
struct Failure {
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    message: Option<String>,
}

impl TwilioSms {
    /// The provider of `config`, its auth token opened by `vault` (which caches it).
    pub fn new(config: TwilioConfig, vault: Arc<dyn Vault>) -> Result<Self, SmsError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| SmsError::Transient(format!("http client: {e}")))?;
        Ok(Self {
            http,
            config,
            vault,
        })
    }

    fn url(&self) -> String {
        format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            self.config.base_url.trim_end_matches('/'),
            self.config.account_sid
        )
    }
}

#[async_trait]
impl SmsProvider for TwilioSms {
    async fn send(&self, sms: &Sms) -> Result<String, SmsError> {
        let mut form = vec![("To", sms.to.as_str()), ("Body", sms.body.as_str())];
        if let Some(from) = sms.from.as_deref().or(self.config.default_from.as_deref()) {
            form.push((
                if from.starts_with("MG") {
                    "MessagingServiceSid"
                } else {
                    "From"
                },
                from,
            ));
        }
        if let Some(url) = sms.status_callback.as_deref() {
            form.push(("StatusCallback", url));
        }
        let token = self
            .vault
            .open(
                secret::PLATFORM,
                Purpose::SmsProvider,
                &self.config.auth_token,
            )
            .await
            .map_err(|e| SmsError::Transient(format!("auth token: {e}")))?;
        let response = self
            .http
            .post(self.url())
            .basic_auth(&self.config.account_sid, Some(&token))
            .form(&form)
            .send()
            .await
            .map_err(|e| SmsError::Transient(format!("request failed: {e}")))?;
        let status = response.status();
        if status.is_success() {
            let created: Created = response
                .json()
                .await
                .map_err(|e| SmsError::Transient(format!("unreadable answer: {e}")))?;
            return Ok(created.sid);
        }
        let failure: Failure = response.json().await.unwrap_or_default();
        let reason = format!(
            "HTTP {}{}{}",
            status.as_u16(),
            failure
                .code
                .map(|c| format!(" code {c}"))
                .unwrap_or_default(),
            failure
                .message
                .map(|m| format!(": {m}"))
                .unwrap_or_default()
        );
        if status.as_u16() == 429 || status.is_server_error() {
            Err(SmsError::Transient(reason))
        } else {
            Err(SmsError::Rejected(reason))
        }
    }
}
