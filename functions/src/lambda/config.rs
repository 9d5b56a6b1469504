//! Configuration of the Lambda functions, read from the environment once at start.

use std::collections::HashMap;

use crm_shared::adapters::meta_capi;
use crm_shared::adapters::sqs::QueueUrls;
use crm_shared::adapters::twilio::TwilioConfig;
use crm_shared::domain::secret::Secret;
use crm_shared::ports::queue::QueueName;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub table_name: String,
    pub event_bus_name: String,
    /// The queues this function may use: `<NAME>_QUEUE_URL` with `<NAME>_DLQ_URL` (both, or
    /// neither), e.g. `SMS_QUEUE_URL` and `SMS_DLQ_URL`.
    pub queues: HashMap<QueueName, QueueUrls>,
    /// The SMS provider (Twilio's REST API or one that speaks it): `TWILIO_ACCOUNT_SID` and
    /// `TWILIO_AUTH_TOKEN` (both, or neither; the token sealed by `crm-admin seal sms-token`,
    /// never in plain text), `TWILIO_BASE_URL` (default Twilio's), `SMS_DEFAULT_FROM`. Only
    /// the SMS sender and the SMS hooks need it.
    pub sms: Option<TwilioConfig>,
    /// `SECRETS_KEY_ID`: the KMS key that seals the settings' secrets (id, ARN or alias).
    /// Unset: nothing can be sealed or opened (secrets stored unsealed by an earlier version
    /// still read).
    pub secrets_key_id: Option<String>,
    /// `META_GRAPH_URL` (default Meta's): where conversion events go; a stub in tests.
    pub meta_graph_url: String,
    /// `PUBLIC_API_URL`: the API's public base URL, where the SMS provider reports each
    /// text's delivery (the sender's); an http(s) URL when set.
    pub public_api_url: Option<String>,
    /// `USER_POOL_ID`: the Cognito user pool invited members are created in (the member-invite
    /// functions only). Unset: people sign up themselves and find their membership waiting.
    pub user_pool_id: Option<String>,
    /// `IMPORTS_BUCKET`: the S3 bucket uploaded client lists are kept in (the imports'
    /// functions only).
    pub imports_bucket: Option<String>,
}

/// How long the SMS sender waits for the provider.
const SMS_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("environment variable {0} is missing or empty")]
    Missing(&'static str),
    #[error("environment variable {0} {1}")]
    Invalid(&'static str, &'static str),
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let need = |k: &'static str| {
            get(k)
                .filter(|v| !v.trim().is_empty())
                .ok_or(ConfigError::Missing(k))
        };
        let mut queues = HashMap::new();
        for name in QueueName::ALL {
            let upper = name.as_str().to_uppercase();
            let url = get(&format!("{upper}_QUEUE_URL")).filter(|v| !v.trim().is_empty());
            let dlq = get(&format!("{upper}_DLQ_URL")).filter(|v| !v.trim().is_empty());
            match (url, dlq) {
                (Some(url), Some(dlq_url)) => {
                    queues.insert(name, QueueUrls { url, dlq_url });
                }
                (None, None) => {}
                (Some(_), None) => return Err(ConfigError::Missing(queue_var(name, "DLQ"))),
                (None, Some(_)) => return Err(ConfigError::Missing(queue_var(name, "QUEUE"))),
            }
        }
        let some = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let sms = match (some("TWILIO_ACCOUNT_SID"), some("TWILIO_AUTH_TOKEN")) {
            (Some(_), Some(token)) if !Secret::sealed(token.clone()).is_sealed() => {
                return Err(ConfigError::Invalid(
                    "TWILIO_AUTH_TOKEN",
                    "is not sealed (seal it with `crm-admin seal sms-token`)",
                ))
            }
            (Some(account_sid), Some(auth_token)) => Some(TwilioConfig {
                base_url: some("TWILIO_BASE_URL")
                    .unwrap_or_else(|| "https://api.twilio.com".to_owned()),
                account_sid,
                auth_token: Secret::sealed(auth_token),
                default_from: some("SMS_DEFAULT_FROM"),
                timeout: SMS_TIMEOUT,
            }),
            (None, None) => None,
            (Some(_), None) => return Err(ConfigError::Missing("TWILIO_AUTH_TOKEN")),
            (None, Some(_)) => return Err(ConfigError::Missing("TWILIO_ACCOUNT_SID")),
        };
        Ok(Self {
            table_name: need("TABLE_NAME")?,
            event_bus_name: need("EVENT_BUS_NAME")?,
            queues,
            sms,
            meta_graph_url: get("META_GRAPH_URL")
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| meta_capi::DEFAULT_BASE_URL.to_owned()),
            user_pool_id: some("USER_POOL_ID"),
            secrets_key_id: some("SECRETS_KEY_ID"),
            imports_bucket: some("IMPORTS_BUCKET"),
            public_api_url: match some("PUBLIC_API_URL") {
                Some(url) if url.starts_with("https://") || url.starts_with("http://") => Some(url),
                Some(_) => {
                    return Err(ConfigError::Invalid(
                        "PUBLIC_API_URL",
                        "is not an http(s) URL",
                    ))
                }
                None => None,
            },
        })
    }
}

fn queue_var(name: QueueName, which: &str) -> &'static str {
    match (name, which) {
        (QueueName::Sms, "DLQ") => "SMS_DLQ_URL",
        (QueueName::Sms, _) => "SMS_QUEUE_URL",
        (QueueName::Conversions, "DLQ") => "CONVERSIONS_DLQ_URL",
        (QueueName::Conversions, _) => "CONVERSIONS_QUEUE_URL",
        (QueueName::Imports, "DLQ") => "IMPORTS_DLQ_URL",
        (QueueName::Imports, _) => "IMPORTS_QUEUE_URL",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_settings_are_named() {
        let got = Config::from_lookup(|k| (k == "TABLE_NAME").then(|| "crm".to_owned()));
        assert_eq!(got, Err(ConfigError::Missing("EVENT_BUS_NAME")));
    }

    #[test]
    fn the_sms_token_is_taken_sealed_only() {
        let with_token = |token: &'static str| {
            Config::from_lookup(move |k| match k {
                "TABLE_NAME" => Some("crm".into()),
                "EVENT_BUS_NAME" => Some("bus".into()),
                "TWILIO_ACCOUNT_SID" => Some("AC123".into()),
                "TWILIO_AUTH_TOKEN" => Some(token.into()),
                "SECRETS_KEY_ID" => Some("alias/crm".into()),
                _ => None,
            })
        };
        assert!(matches!(
            with_token("f3a9c0d1e2b4a5968778695a4b3c2d1e"),
            Err(ConfigError::Invalid("TWILIO_AUTH_TOKEN", _))
        ));
        let ok = with_token("sealed:kms:AQICAHh0b2tlbg==").expect("config");
        let sms = ok.sms.expect("the provider");
        assert!(sms.auth_token.is_sealed());
        assert_eq!(ok.secrets_key_id.as_deref(), Some("alias/crm"));
    }

    #[test]
    fn a_queue_needs_its_dead_letter_queue() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let got = Config::from_lookup(env(&[
            ("TABLE_NAME", "crm"),
            ("EVENT_BUS_NAME", "bus"),
            ("SMS_QUEUE_URL", "https://sqs/sms"),
        ]));
        assert_eq!(got, Err(ConfigError::Missing("SMS_DLQ_URL")));
        let ok = Config::from_lookup(env(&[
            ("TABLE_NAME", "crm"),
            ("EVENT_BUS_NAME", "bus"),
            ("SMS_QUEUE_URL", "https://sqs/sms"),
            ("SMS_DLQ_URL", "https://sqs/sms-dlq"),
        ]))
        .expect("config");
        assert_eq!(ok.queues[&QueueName::Sms].dlq_url, "https://sqs/sms-dlq");
        assert!(!ok.queues.contains_key(&QueueName::Conversions));
        assert!(
            Config::from_lookup(env(&[("TABLE_NAME", "crm"), ("EVENT_BUS_NAME", "bus")]))
                .is_ok_and(|c| c.queues.is_empty())
        );
    }
}
