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
    /// Whether the queues' consumers poll in the background (always, from the environment;
    /// tests on a fixed clock turn it off and run `workers::drain` themselves).
    pub poll_queues: bool,
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
        Ok(Self {
            port,
            data_dir: get("CRM_DATA_DIR")
                .filter(|s| !s.is_empty())
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(".data")),
            seed,
            jwt_secret: get("CRM_JWT_SECRET").filter(|s| !s.is_empty()),
            dev_sign_in,
            poll_queues: true,
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
}
