//! The vault in the cloud: AWS KMS. Each secret is encrypted by KMS itself under one
//! symmetric key (secrets are short, far under KMS's 4 KiB, so no data key is needed), with
//! the encryption context `{tenant, purpose}`: KMS refuses to decrypt under any other, and
//! the template grants each function `kms:Decrypt` for its purposes only (condition on
//! `kms:EncryptionContext:purpose`). Sealed text: `sealed:kms:` and base64 of the ciphertext
//! blob (which names the key).
//!
//! Why KMS and not Secrets Manager: a secret per tenant there costs $0.40 a month each and a
//! read API call per cold start and tenant; one KMS key costs $1 a month for every tenant,
//! the ciphertext lives in the settings item the functions read anyway, and IAM can still
//! say which function may open which kind.

use aws_config::SdkConfig;
use aws_sdk_kms::primitives::Blob;

use crate::adapters::lazy_client::LazyClient;
use crate::domain::secret::{Purpose, Secret};
use crate::ports::vault::{Vault, VaultError};

const KIND: &str = "kms";

pub struct KmsVault {
    client: LazyClient<aws_sdk_kms::Client>,
    key_id: String,
}

impl KmsVault {
    /// The vault of key `key_id` (id, ARN or `alias/…`); its client is made on first use.
    pub fn new(sdk: &SdkConfig, key_id: &str) -> Self {
        Self {
            client: LazyClient::on_first_use(sdk, aws_sdk_kms::Client::new),
            key_id: key_id.to_owned(),
        }
    }
}

impl KmsVault {
    /// Creates a symmetric key and answers its id: what the stack's `SecretsKey` is, for
    /// tests and trials on moto (a deployment's key comes from the template).
    pub async fn create_key(sdk: &SdkConfig, description: &str) -> Result<String, VaultError> {
        let out = aws_sdk_kms::Client::new(sdk)
            .create_key()
            .description(description)
            .send()
            .await
            .map_err(|e| unavailable(aws_sdk_kms::error::DisplayErrorContext(e)))?;
        out.key_metadata
            .map(|m| m.key_id)
            .ok_or_else(|| unavailable("KMS answered no key"))
    }
}

fn unavailable(e: impl std::fmt::Display) -> VaultError {
    VaultError::Unavailable(e.to_string())
}

#[async_trait::async_trait]
impl Vault for KmsVault {
    async fn seal(
        &self,
        tenant: &str,
        purpose: Purpose,
        plain: &str,
    ) -> Result<Secret, VaultError> {
        let out = self
            .client
            .get()
            .encrypt()
            .key_id(&self.key_id)
            .plaintext(Blob::new(plain.as_bytes()))
            .encryption_context("tenant", tenant)
            .encryption_context("purpose", purpose.as_str())
            .send()
            .await
            .map_err(|e| unavailable(aws_sdk_kms::error::DisplayErrorContext(e)))?;
        let blob = out
            .ciphertext_blob
            .ok_or_else(|| unavailable("KMS answered no ciphertext"))?;
        Ok(Secret::of_ciphertext(KIND, blob.as_ref()))
    }

    async fn open_sealed(
        &self,
        tenant: &str,
        purpose: Purpose,
        sealed: &str,
    ) -> Result<String, VaultError> {
        let blob = Secret::ciphertext_of(sealed, KIND)
            .map_err(|why| VaultError::Unreadable(why.to_owned()))?;
        let out = self
            .client
            .get()
            .decrypt()
            .key_id(&self.key_id)
            .ciphertext_blob(Blob::new(blob))
            .encryption_context("tenant", tenant)
            .encryption_context("purpose", purpose.as_str())
            .send()
            .await
            .map_err(|e| {
                let e = e.into_service_error();
                if e.is_invalid_ciphertext_exception() || e.is_incorrect_key_exception() {
                    VaultError::Unreadable(e.to_string())
                } else {
                    unavailable(aws_sdk_kms::error::DisplayErrorContext(e))
                }
            })?;
        let plain = out
            .plaintext
            .ok_or_else(|| unavailable("KMS answered no plaintext"))?;
        String::from_utf8(plain.into_inner()).map_err(|_| VaultError::Unreadable("not text".into()))
    }
}
