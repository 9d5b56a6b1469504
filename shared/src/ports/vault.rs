//! The vault: seals secrets before they are stored and opens them for the functions that use
//! them (issue 17). In the cloud AWS KMS (`adapters::kms_vault`): one key, encryption
//! context `{tenant, purpose}`, Decrypt granted per function and purpose; on one machine
//! AES-256-GCM under a key file in the data directory (`adapters::local_vault`).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::secret::{Purpose, Secret};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    /// The key service could not be reached or refused (permissions, throttling): try later.
    #[error("vault unavailable: {0}")]
    Unavailable(String),
    /// The sealed text is not one this vault sealed for that tenant and purpose.
    #[error("the secret cannot be opened: {0}")]
    Unreadable(String),
}

#[async_trait::async_trait]
pub trait Vault: Send + Sync {
    /// Seals `plain` for `tenant`'s `purpose`: only an open with the same two gives it back.
    async fn seal(&self, tenant: &str, purpose: Purpose, plain: &str)
        -> Result<Secret, VaultError>;

    /// Opens a secret this vault sealed for `tenant`'s `purpose`.
    async fn open_sealed(
        &self,
        tenant: &str,
        purpose: Purpose,
        sealed: &str,
    ) -> Result<String, VaultError>;

    /// The secret's plaintext: opened when sealed; plaintext as stored before secrets were
    /// sealed is answered as it is (logged, so the operator runs the migration).
    async fn open(
        &self,
        tenant: &str,
        purpose: Purpose,
        secret: &Secret,
    ) -> Result<String, VaultError> {
        if secret.is_sealed() {
            self.open_sealed(tenant, purpose, secret.stored()).await
        } else {
            tracing::warn!(tenant = %tenant, purpose = purpose.as_str(), "secret stored unsealed; run `crm-admin migrate secrets`");
            Ok(secret.stored().to_owned())
        }
    }

    /// `secret` sealed: as it is when it already is, sealed now when it is plaintext.
    async fn sealed(
        &self,
        tenant: &str,
        purpose: Purpose,
        secret: &Secret,
    ) -> Result<Secret, VaultError> {
        if secret.is_sealed() {
            Ok(secret.clone())
        } else {
            self.seal(tenant, purpose, secret.stored()).await
        }
    }
}

/// How long an opened secret is kept in the process: a key revoked or a secret changed is
/// honoured within this, and a busy function asks the key service once per secret per
/// period instead of once per request.
pub const OPENED_TTL: Duration = Duration::from_secs(300);

/// The vault of a deployment that configured no key (`SECRETS_KEY_ID`): nothing is sealed or
/// opened, so a secret is refused rather than kept in plain text (plaintext stored by a
/// version before sealing still reads, through [`Vault::open`]).
pub struct Unconfigured;

#[async_trait::async_trait]
impl Vault for Unconfigured {
    async fn seal(&self, _: &str, _: Purpose, _: &str) -> Result<Secret, VaultError> {
        Err(VaultError::Unavailable(
            "no secrets key configured (SECRETS_KEY_ID)".into(),
        ))
    }

    async fn open_sealed(&self, _: &str, _: Purpose, _: &str) -> Result<String, VaultError> {
        Err(VaultError::Unavailable(
            "no secrets key configured (SECRETS_KEY_ID)".into(),
        ))
    }
}

/// What a [`Cached`] vault opened: by tenant, purpose and sealed text, the plaintext and when.
type Opened = HashMap<(String, Purpose, String), (String, Instant)>;

/// A vault that keeps what it opened for [`OPENED_TTL`], keyed by the sealed text (a changed
/// secret is a new text, so it is never answered stale).
pub struct Cached<V> {
    inner: V,
    opened: Mutex<Opened>,
}

impl<V: Vault> Cached<V> {
    pub fn new(inner: V) -> Self {
        Self {
            inner,
            opened: Mutex::default(),
        }
    }
}

#[async_trait::async_trait]
impl<V: Vault> Vault for Cached<V> {
    async fn seal(
        &self,
        tenant: &str,
        purpose: Purpose,
        plain: &str,
    ) -> Result<Secret, VaultError> {
        self.inner.seal(tenant, purpose, plain).await
    }

    async fn open_sealed(
        &self,
        tenant: &str,
        purpose: Purpose,
        sealed: &str,
    ) -> Result<String, VaultError> {
        let key = (tenant.to_owned(), purpose, sealed.to_owned());
        if let Ok(opened) = self.opened.lock() {
            if let Some((plain, at)) = opened.get(&key) {
                if at.elapsed() < OPENED_TTL {
                    return Ok(plain.clone());
                }
            }
        }
        let plain = self.inner.open_sealed(tenant, purpose, sealed).await?;
        if let Ok(mut opened) = self.opened.lock() {
            opened.retain(|_, (_, at)| at.elapsed() < OPENED_TTL);
            opened.insert(key, (plain.clone(), Instant::now()));
        }
        Ok(plain)
    }
}
