//! The vault on one machine: AES-256-GCM under a 32-byte key kept in a file of the data
//! directory, created with mode 0600 on first start. The tenant and purpose are the cipher's
//! associated data, so a sealed secret moved to another tenant's settings, or read as
//! another purpose, does not open. Sealed text: `sealed:local:` and base64 of the 12-byte
//! random nonce followed by the ciphertext and its tag.

use std::path::Path;

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};

use crate::domain::secret::{Purpose, Secret};
use crate::ports::vault::{Vault, VaultError};

const KIND: &str = "local";

/// The key's file in a data directory (crm-local's and crm-admin's `--data-dir`).
pub const KEY_FILE: &str = "vault.key";

pub struct LocalVault {
    key: LessSafeKey,
    rng: SystemRandom,
}

impl LocalVault {
    /// The vault whose key is in `path`, made (32 random bytes, mode 0600) when missing.
    pub fn open_or_create(path: &Path) -> std::io::Result<Self> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut bytes = vec![0u8; 32];
                SystemRandom::new()
                    .fill(&mut bytes)
                    .map_err(|_| std::io::Error::other("no randomness for the vault key"))?;
                write_private(path, &bytes)?;
                bytes
            }
            Err(e) => return Err(e),
        };
        Self::from_key(&bytes).ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{} is not a 32-byte vault key", path.display()),
            )
        })
    }

    /// A vault under a fresh random key that lives as long as the process (tests, benches).
    pub fn ephemeral() -> Self {
        let mut bytes = [0u8; 32];
        // The system's randomness failing is not something a test can go on without.
        SystemRandom::new()
            .fill(&mut bytes)
            .unwrap_or_else(|_| panic!("no randomness for an ephemeral vault key"));
        Self::from_key(&bytes).unwrap_or_else(|| panic!("32 bytes make an AES-256 key"))
    }

    fn from_key(bytes: &[u8]) -> Option<Self> {
        let key = UnboundKey::new(&AES_256_GCM, bytes).ok()?;
        Some(Self {
            key: LessSafeKey::new(key),
            rng: SystemRandom::new(),
        })
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

fn associated(tenant: &str, purpose: Purpose) -> Vec<u8> {
    format!("{tenant}\u{0}{}", purpose.as_str()).into_bytes()
}

impl LocalVault {
    /// [`Vault::seal`] without waiting: the key is here, nothing to wait for.
    pub fn seal_now(
        &self,
        tenant: &str,
        purpose: Purpose,
        plain: &str,
    ) -> Result<Secret, VaultError> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng
            .fill(&mut nonce)
            .map_err(|_| VaultError::Unavailable("no randomness for a nonce".into()))?;
        let mut data = plain.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(associated(tenant, purpose)),
                &mut data,
            )
            .map_err(|_| VaultError::Unavailable("sealing failed".into()))?;
        let mut out = nonce.to_vec();
        out.extend(data);
        Ok(Secret::of_ciphertext(KIND, &out))
    }
}

#[async_trait::async_trait]
impl Vault for LocalVault {
    async fn seal(
        &self,
        tenant: &str,
        purpose: Purpose,
        plain: &str,
    ) -> Result<Secret, VaultError> {
        self.seal_now(tenant, purpose, plain)
    }

    async fn open_sealed(
        &self,
        tenant: &str,
        purpose: Purpose,
        sealed: &str,
    ) -> Result<String, VaultError> {
        let unreadable = |why: &str| VaultError::Unreadable(why.to_owned());
        let bytes = Secret::ciphertext_of(sealed, KIND).map_err(unreadable)?;
        if bytes.len() < NONCE_LEN {
            return Err(unreadable("too short"));
        }
        let (nonce, data) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| unreadable("nonce"))?;
        let mut data = data.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(associated(tenant, purpose)), &mut data)
            .map_err(|_| unreadable("wrong key, tenant or purpose"))?;
        String::from_utf8(plain.to_vec()).map_err(|_| unreadable("not text"))
    }
}
