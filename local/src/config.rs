//! crm-local configuration, read from the environment once at start.

use std::io::Read;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalConfig {
    /// `PORT` (default 3000; 0 picks a free port).
    pub port: u16,
    /// `CRM_DATA_DIR` (default `./.data`): the SQLite file and the token secret.
    pub data_dir: PathBuf,
    /// `CRM_SEED` (default true): create the demo tenant on first start.
    pub seed: bool,
    /// `CRM_JWT_SECRET`: the HS256 secret; by default one generated into the data dir.
    pub jwt_secret: Option<String>,
    /// `CRM_DEV_SIGNIN` (default false; `scripts/dev` turns it on): serve `POST /_local/token`,
    /// which signs a token for any tenant and role without asking who you are. Fine on a
    /// developer's machine; never on a server others can reach.
    pub dev_sign_in: bool,
    /// The identity provider the admin app signs in with (`CRM_OIDC_ISSUER`,
    /// `CRM_OIDC_CLIENT_ID`, optional `CRM_OIDC_SCOPE` and `CRM_OIDC_NAME`); crm-local hands it
    /// to the app in `/admin/config.json`. The tokens must still verify with the local secret.
    pub oidc: Option<OidcClient>,
    /// Whether the queues' consumers poll in the background (always, from the environment;
    /// tests on a fixed clock turn it off and run `workers::drain` themselves).
    pub poll_queues: bool,
    /// `CRM_PUBLIC_URL`: where people reach this server (`https://crm.example.com`), for the
    /// links it hands out (invites); none → links relative to the admin app's own origin.
    pub public_url: Option<String>,
    /// `TWILIO_AUTH_TOKEN`: callbacks signed by Twilio with it (`X-Twilio-Signature`) are
    /// accepted on the SMS hooks, as in the cloud. Texts still go to the local outbox.
    pub sms_provider_token: Option<String>,
}

/// An OpenID Connect provider and the admin app's client at it (a public client: PKCE, no
/// secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcClient {
    pub issuer: String,
    pub client_id: String,
    pub scope: Option<String>,
    /// Shown on the sign-in button.
    pub name: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} must be {expected}, not `{value}`")]
    Invalid {
        name: &'static str,
        expected: &'static str,
        value: String,
    },
    #[error("cannot read or create the token secret: {0}")]
    Secret(#[from] std::io::Error),
}

impl LocalConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let port = match get("PORT").filter(|s| !s.is_empty()) {
            None => 3000,
            Some(v) => v.parse().map_err(|_| ConfigError::Invalid {
                name: "PORT",
                expected: "a port number",
                value: v,
            })?,
        };
        let dev_sign_in = match get("CRM_DEV_SIGNIN").as_deref().map(str::trim) {
            None | Some("") | Some("0") | Some("false") => false,
            Some("1") | Some("true") => true,
            Some(v) => {
                return Err(ConfigError::Invalid {
                    name: "CRM_DEV_SIGNIN",
                    expected: "true or false",
                    value: v.to_owned(),
                })
            }
        };
        let seed = match get("CRM_SEED").as_deref().map(str::trim) {
            None | Some("") | Some("1") | Some("true") => true,
            Some("0") | Some("false") => false,
            Some(v) => {
                return Err(ConfigError::Invalid {
                    name: "CRM_SEED",
                    expected: "true or false",
                    value: v.to_owned(),
                })
            }
        };
        let text = |name: &str| {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let oidc = match (text("CRM_OIDC_ISSUER"), text("CRM_OIDC_CLIENT_ID")) {
            (None, None) => None,
            (Some(issuer), Some(client_id))
                if issuer.starts_with("https://") || issuer.starts_with("http://") =>
            {
                Some(OidcClient {
                    issuer: issuer.trim_end_matches('/').to_owned(),
                    client_id,
                    scope: text("CRM_OIDC_SCOPE"),
                    name: text("CRM_OIDC_NAME"),
                })
            }
            (Some(issuer), Some(_)) => {
                return Err(ConfigError::Invalid {
                    name: "CRM_OIDC_ISSUER",
                    expected: "an http(s) URL",
                    value: issuer,
                })
            }
            (issuer, _) => {
                return Err(ConfigError::Invalid {
                    name: if issuer.is_some() {
                        "CRM_OIDC_CLIENT_ID"
                    } else {
                        "CRM_OIDC_ISSUER"
                    },
                    expected:
                        "set together with the other (CRM_OIDC_ISSUER and CRM_OIDC_CLIENT_ID)",
                    value: String::new(),
                })
            }
        };
        Ok(Self {
            port,
            data_dir: get("CRM_DATA_DIR")
                .filter(|s| !s.is_empty())
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(".data")),
            seed,
            jwt_secret: get("CRM_JWT_SECRET").filter(|s| !s.is_empty()),
            dev_sign_in,
            oidc,
            poll_queues: true,
            public_url: text("CRM_PUBLIC_URL").map(|u| u.trim_end_matches('/').to_owned()),
            sms_provider_token: text("TWILIO_AUTH_TOKEN"),
        })
    }

    /// The token secret: `CRM_JWT_SECRET`, or one generated once into the data dir so that
    /// `crm-local token` and the server agree.
    pub fn jwt_secret(&self) -> Result<Vec<u8>, ConfigError> {
        if let Some(s) = &self.jwt_secret {
            return Ok(s.as_bytes().to_vec());
        }
        std::fs::create_dir_all(&self.data_dir)?;
        let path = self.data_dir.join("jwt-secret");
        if let Ok(existing) = std::fs::read_to_string(&path) {
            if !existing.trim().is_empty() {
                return Ok(existing.trim().as_bytes().to_vec());
            }
        }
        let mut bytes = [0u8; 32];
        std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        std::fs::write(&path, &hex)?;
        Ok(hex.into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_bad_values() {
        let c = LocalConfig::from_lookup(|_| None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.port, 3000);
        assert_eq!(c.data_dir, PathBuf::from(".data"));
        assert!(c.seed);
        let bad = LocalConfig::from_lookup(|k| (k == "PORT").then(|| "http".to_owned()));
        assert!(matches!(
            bad,
            Err(ConfigError::Invalid { name: "PORT", .. })
        ));
    }

    #[test]
    fn the_identity_provider_needs_issuer_and_client_together() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            LocalConfig::from_lookup(move |k| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).to_owned())
            })
        };
        let c = env(&[
            ("CRM_OIDC_ISSUER", "https://id.example.com/pool/"),
            ("CRM_OIDC_CLIENT_ID", "spa"),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            c.oidc,
            Some(OidcClient {
                issuer: "https://id.example.com/pool".into(),
                client_id: "spa".into(),
                scope: None,
                name: None,
            })
        );
        assert!(matches!(
            env(&[("CRM_OIDC_ISSUER", "https://id.example.com")]),
            Err(ConfigError::Invalid {
                name: "CRM_OIDC_CLIENT_ID",
                ..
            })
        ));
        assert!(matches!(
            env(&[
                ("CRM_OIDC_ISSUER", "id.example.com"),
                ("CRM_OIDC_CLIENT_ID", "spa")
            ]),
            Err(ConfigError::Invalid {
                name: "CRM_OIDC_ISSUER",
                ..
            })
        ));
        assert_eq!(env(&[]).map(|c| c.oidc).ok(), Some(None));
    }
}
