//! Passwords hashed with Argon2id at OWASP's parameters (19 MiB, 2 passes, 1 lane), off the
//! async threads (one hash is tens of milliseconds of CPU).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

fn argon2() -> Result<Argon2<'static>, String> {
    let params = Params::new(19 * 1024, 2, 1, None).map_err(|e| e.to_string())?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// The PHC string of `password` with a new random salt.
pub async fn hash(password: String) -> Result<String, String> {
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|e| e.to_string())?;
        let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
        argon2()?
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

/// A hash of a random password nobody knows, verified against when the email has no
/// account, so the answer takes as long either way and does not tell whether it exists.
async fn decoy() -> Option<String> {
    static DECOY: tokio::sync::OnceCell<Option<String>> = tokio::sync::OnceCell::const_new();
    DECOY
        .get_or_init(|| async {
            let mut secret = [0u8; 24];
            getrandom::fill(&mut secret).ok()?;
            hash(hex::encode(secret)).await.ok()
        })
        .await
        .clone()
}

/// Whether `password` matches `phc` (none: checked against a decoy, and false).
pub async fn verify(password: String, phc: Option<String>) -> bool {
    let known = phc.is_some();
    let Some(phc) = phc.or(decoy().await) else {
        return false;
    };
    tokio::task::spawn_blocking(move || {
        let Ok(parsed) = PasswordHash::new(&phc) else {
            return false;
        };
        let Ok(argon) = argon2() else {
            return false;
        };
        argon.verify_password(password.as_bytes(), &parsed).is_ok() && known
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let phc = hash("harbour lights at dusk".into())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify("harbour lights at dusk".into(), Some(phc.clone())).await);
        assert!(!verify("harbour lights at dawn".into(), Some(phc)).await);
        assert!(!verify("anything".into(), None).await);
    }
}
