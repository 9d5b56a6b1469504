//! The vault (issue 17: secrets out of plain text) on both adapters: AES-256-GCM under a key
//! file on one machine, KMS on moto. A sealed secret holds no plaintext, opens for the tenant
//! and purpose it was sealed for and for no other, and the key file is the owner's only.

mod support;

use crm_shared::adapters::kms_vault::KmsVault;
use crm_shared::adapters::local_vault::LocalVault;
use crm_shared::domain::secret::{Purpose, Secret};
use crm_shared::ports::vault::{Cached, Vault, VaultError};

const SECRET: &str = "whsec-0f3c9a7d21b84e6f";

async fn a_sealed_secret_opens_only_for_its_tenant_and_purpose(vault: &dyn Vault) {
    let sealed = vault
        .seal("harbour-spa", Purpose::Webhook, SECRET)
        .await
        .expect("seal");
    assert!(sealed.is_sealed(), "{sealed:?}");
    assert!(!sealed.stored().contains(SECRET));
    assert!(!sealed.stored().contains("whsec"));
    assert_eq!(
        vault
            .open("harbour-spa", Purpose::Webhook, &sealed)
            .await
            .expect("open"),
        SECRET
    );
    // The same secret sealed twice reads differently (a fresh nonce / KMS's own).
    let again = vault
        .seal("harbour-spa", Purpose::Webhook, SECRET)
        .await
        .expect("seal");
    assert_ne!(again.stored(), sealed.stored());
    for (tenant, purpose) in [
        ("bistro", Purpose::Webhook),
        ("harbour-spa", Purpose::Meta),
        (crm_shared::domain::secret::PLATFORM, Purpose::SmsProvider),
    ] {
        assert!(
            matches!(
                vault.open(tenant, purpose, &sealed).await,
                Err(VaultError::Unreadable(_))
            ),
            "{tenant} {purpose:?} must not open it"
        );
    }
    // Tampered ciphertext does not open.
    let mut text = sealed.stored().to_owned();
    // A different character at that place (checking the end of the text instead left it
    // unchanged one run in 64: a test that could not fail then).
    let at = text.len() - 3;
    let flip = if &text[at..at + 1] == "A" { "B" } else { "A" };
    text.replace_range(at..at + 1, flip);
    assert_ne!(text, sealed.stored());
    assert!(vault
        .open("harbour-spa", Purpose::Webhook, &Secret::sealed(text))
        .await
        .is_err());
    // Plaintext stored by an earlier version still reads (until the migration seals it).
    assert_eq!(
        vault
            .open("harbour-spa", Purpose::Webhook, &Secret::plain("legacy"))
            .await
            .expect("legacy"),
        "legacy"
    );
}

#[tokio::test]
async fn the_local_vault_seals_under_a_key_file_only_its_owner_reads() {
    let dir = std::env::temp_dir().join(format!("crm-vault-{}", ulid::Ulid::new()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join(crm_shared::adapters::local_vault::KEY_FILE);
    let vault = LocalVault::open_or_create(&path).expect("vault");
    a_sealed_secret_opens_only_for_its_tenant_and_purpose(&vault).await;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("key").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the key file is the owner's only");
    }
    assert_eq!(std::fs::metadata(&path).expect("key").len(), 32);
    // The same key file opens what was sealed before a restart; another key does not.
    let sealed = vault
        .seal("harbour-spa", Purpose::Meta, "EAAB-token")
        .await
        .expect("seal");
    let reopened = LocalVault::open_or_create(&path).expect("vault");
    assert_eq!(
        reopened
            .open("harbour-spa", Purpose::Meta, &sealed)
            .await
            .expect("open"),
        "EAAB-token"
    );
    assert!(LocalVault::ephemeral()
        .open("harbour-spa", Purpose::Meta, &sealed)
        .await
        .is_err());
    std::fs::write(dir.join("short.key"), b"too short").expect("write");
    assert!(LocalVault::open_or_create(&dir.join("short.key")).is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_kms_vault_seals_with_the_tenant_and_purpose_as_encryption_context() {
    let sdk = support::sdk_config().await;
    let key = KmsVault::create_key(&sdk, "vault test").await.expect("key");
    let vault = Cached::new(KmsVault::new(&sdk, &key));
    a_sealed_secret_opens_only_for_its_tenant_and_purpose(&vault).await;
    // A secret sealed under another key is refused, not opened.
    let other = KmsVault::create_key(&sdk, "another").await.expect("key");
    let sealed = KmsVault::new(&sdk, &other)
        .seal("harbour-spa", Purpose::Webhook, SECRET)
        .await
        .expect("seal");
    assert!(vault
        .open("harbour-spa", Purpose::Webhook, &sealed)
        .await
        .is_err());
}
