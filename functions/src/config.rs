//! Configuration of the Lambda functions, read from the environment once at start.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub table_name: String,
    pub event_bus_name: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("environment variable {0} is missing or empty")]
pub struct ConfigError(pub &'static str);

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let need = |k: &'static str| {
            get(k)
                .filter(|v| !v.trim().is_empty())
                .ok_or(ConfigError(k))
        };
        Ok(Self {
            table_name: need("TABLE_NAME")?,
            event_bus_name: need("EVENT_BUS_NAME")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_settings_are_named() {
        let got = Config::from_lookup(|k| (k == "TABLE_NAME").then(|| "crm".to_owned()));
        assert_eq!(got, Err(ConfigError("EVENT_BUS_NAME")));
    }
}
