//! Secrets of a tenant's settings (the webhook secret, the Meta access token) and of the
//! platform (the SMS provider's auth token), as they are kept: sealed by the vault
//! (`crate::ports::vault`), so a reader of the table or of a function's environment sees
//! only ciphertext, and only the functions granted the key can open them (issue 17).

use base64::Engine;
use serde::{Deserialize, Serialize};

/// What a sealed secret's stored text starts with: `sealed:<vault>:<ciphertext>`.
pub const SEALED_PREFIX: &str = "sealed:";

/// The platform's own secrets are sealed under this tenant name (no tenant id has a colon).
pub const PLATFORM: &str = ":platform";

/// What a secret is for. It is bound into the sealed text (KMS encryption context, the local
/// cipher's associated data), so a secret sealed for one purpose or tenant cannot be opened as
/// another's, and IAM grants each function the purposes it needs only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// The tenant's webhook secret (signatures of booking, call and text hooks).
    Webhook,
    /// The tenant's Meta Conversions API access token.
    Meta,
    /// The SMS provider's auth token (the platform's).
    SmsProvider,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Webhook => "webhook",
            Purpose::Meta => "meta",
            Purpose::SmsProvider => "sms_provider",
        }
    }
}

/// A secret as stored: sealed, or plaintext for the moment between an owner typing it and
/// the settings route sealing it (and in items written before secrets were sealed, which
/// `crm-admin migrate secrets` and crm-local's start seal). Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// A secret as typed, to be sealed before it is stored.
    pub fn plain(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// A secret the vault sealed (its stored text).
    pub fn sealed(text: String) -> Self {
        Self(text)
    }

    /// The secret vault `kind` (`kms`, `local`) sealed into `ciphertext`, as it is stored:
    /// `sealed:<kind>:` and the ciphertext in base64.
    pub fn of_ciphertext(kind: &str, ciphertext: &[u8]) -> Self {
        Self(format!(
            "{SEALED_PREFIX}{kind}:{}",
            base64::engine::general_purpose::STANDARD.encode(ciphertext)
        ))
    }

    /// The ciphertext vault `kind` sealed into the stored text `sealed`; why not, when it is
    /// not one of that vault's.
    pub fn ciphertext_of(sealed: &str, kind: &str) -> Result<Vec<u8>, &'static str> {
        let encoded = sealed
            .strip_prefix(SEALED_PREFIX)
            .and_then(|s| s.strip_prefix(kind))
            .and_then(|s| s.strip_prefix(':'))
            .ok_or("not sealed by this vault")?;
        base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|_| "not base64")
    }

    pub fn is_sealed(&self) -> bool {
        self.0.starts_with(SEALED_PREFIX)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The text as stored (ciphertext when sealed).
    pub fn stored(&self) -> &str {
        &self.0
    }
}

/// Plaintext, as typed (to be sealed before it is stored).
impl From<&str> for Secret {
    fn from(text: &str) -> Self {
        Self::plain(text)
    }
}

impl From<String> for Secret {
    fn from(text: String) -> Self {
        Self::plain(text)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.is_sealed() {
            "Secret(sealed)"
        } else {
            "Secret(plain, redacted)"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_stored_as_its_text_and_never_debug_printed() {
        let s = Secret::plain("whsec-1234567890abcdef");
        assert_eq!(
            serde_json::to_string(&s).expect("json"),
            "\"whsec-1234567890abcdef\""
        );
        assert!(!format!("{s:?}").contains("whsec"));
        assert!(!s.is_sealed());
        assert!(Secret::sealed("sealed:local:AAAA".into()).is_sealed());
    }

    #[test]
    fn a_ciphertext_reads_back_only_as_its_own_vaults() {
        let s = Secret::of_ciphertext("local", b"\x00\x01ciphertext");
        assert!(s.is_sealed());
        assert!(s.stored().starts_with("sealed:local:"));
        assert_eq!(
            Secret::ciphertext_of(s.stored(), "local").as_deref(),
            Ok(&b"\x00\x01ciphertext"[..])
        );
        assert!(Secret::ciphertext_of(s.stored(), "kms").is_err());
        assert!(Secret::ciphertext_of(s.stored(), "loc").is_err());
        assert_eq!(
            Secret::ciphertext_of("sealed:local:not base64!", "local"),
            Err("not base64")
        );
    }
}
