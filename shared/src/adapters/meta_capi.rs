//! `MetaCapi`: the Conversions API port on Meta's Graph API
//! (`POST {base}/{version}/{pixel_id}/events`), over reqwest with rustls.

use std::time::Duration;

use async_trait::async_trait;
use serde::Serialize;
use serde_json::Value;

use crate::domain::conversion::ConversionEvent;
use crate::ports::capi::{CapiError, ConversionsApi, Destination};

pub const DEFAULT_BASE_URL: &str = "https://graph.facebook.com";
pub const DEFAULT_API_VERSION: &str = "v21.0";
/// Long enough for a 1,000-event request, short enough to leave the function time to settle
/// the batch after a timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest refusal reason kept (it travels with the message into the dead-letter queue).
const MAX_REASON: usize = 500;

#[derive(Debug, Clone)]
pub struct MetaCapi {
    http: reqwest::Client,
    base_url: String,
    api_version: String,
}

#[derive(Serialize)]
struct Request<'a> {
    data: &'a [ConversionEvent],
    access_token: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    test_event_code: Option<&'a str>,
}

impl MetaCapi {
    /// A client for `base_url` (Meta's, or a stub's) with the default version and timeout.
    pub fn new(base_url: &str) -> Result<Self, CapiError> {
        Self::with_timeout(base_url, DEFAULT_API_VERSION, DEFAULT_TIMEOUT)
    }

    pub fn with_timeout(
        base_url: &str,
        api_version: &str,
        timeout: Duration,
    ) -> Result<Self, CapiError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(3)))
            .build()
            .map_err(|e| CapiError::Transient(format!("http client: {e}")))?;
        Ok(Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            api_version: api_version.to_owned(),
        })
    }

    fn url(&self, pixel_id: &str) -> String {
        format!("{}/{}/{}/events", self.base_url, self.api_version, pixel_id)
    }
}

#[async_trait]
impl ConversionsApi for MetaCapi {
    async fn send(
        &self,
        to: Destination<'_>,
        events: &[ConversionEvent],
    ) -> Result<u64, CapiError> {
        let body = Request {
            data: events,
            access_token: to.access_token,
            test_event_code: to.test_event_code,
        };
        let response = self
            .http
            .post(self.url(to.pixel_id))
            .json(&body)
            .send()
            .await
            // The URL holds the pixel id only; the token travels in the body.
            .map_err(|e| CapiError::Transient(e.without_url().to_string()))?;
        let status = response.status();
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(answer["events_received"]
                .as_u64()
                .unwrap_or(events.len() as u64));
        }
        let reason = reason(status.as_u16(), &answer);
        // Throttling and errors Meta marks transient come back; other 4xx never succeed.
        let transient = answer["error"]["is_transient"].as_bool() == Some(true);
        if status.is_client_error() && status.as_u16() != 429 && !transient {
            Err(CapiError::Rejected {
                status: status.as_u16(),
                reason,
            })
        } else {
            Err(CapiError::Transient(reason))
        }
    }
}

/// Meta's error message, code and trace id, as short as the dead-letter queue needs.
fn reason(status: u16, answer: &Value) -> String {
    let error = &answer["error"];
    let mut text = match error["message"].as_str() {
        Some(message) => format!(
            "HTTP {status}: {message} (code {}, subcode {}, fbtrace_id {})",
            error["code"], error["error_subcode"], error["fbtrace_id"]
        ),
        None => format!("HTTP {status}"),
    };
    if let Some(user) = error["error_user_msg"].as_str() {
        text.push_str(": ");
        text.push_str(user);
    }
    if text.len() > MAX_REASON {
        let mut end = MAX_REASON;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}
