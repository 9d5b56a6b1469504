//! Signed webhooks (DESIGN §3, integrations): the sender puts
//!
//! ```text
//! X-Crm-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">
//! ```
//!
//! with the tenant's webhook secret as the key. A request is accepted when the timestamp is
//! within five minutes of now (either way) and one `v1` matches, compared in constant time;
//! several `v1` entries are allowed so a secret can be rotated without downtime.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

pub const HEADER: &str = "x-crm-signature";
/// How far the signed timestamp may be from now.
pub const TOLERANCE_SECS: i64 = 300;

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the X-Crm-Signature header is missing")]
    Missing,
    #[error("the X-Crm-Signature header is not `t=<unix seconds>,v1=<hex>`")]
    Malformed,
    #[error("the signature's timestamp is more than five minutes from now")]
    Expired,
    #[error("the signature does not match")]
    Mismatch,
}

/// The header value for `body` signed at `t` (what a sender computes; tests and samples use it).
pub fn sign(secret: &[u8], t: i64, body: &[u8]) -> String {
    format!(
        "t={t},v1={}",
        hex::encode(mac(secret, t, body).finalize().into_bytes())
    )
}

fn mac(secret: &[u8], t: i64, body: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length, so this never falls back.
    let mut m = HmacSha256::new_from_slice(secret).unwrap_or_else(|_| unreachable_key());
    m.update(t.to_string().as_bytes());
    m.update(b".");
    m.update(body);
    m
}

#[cold]
fn unreachable_key() -> HmacSha256 {
    // `new_from_slice` only fails for fixed-size keys; HMAC has none. Keep a valid value anyway.
    <HmacSha256 as hmac::digest::KeyInit>::new(&Default::default())
}

/// Checks `header` for `body` at `now` against the tenant's `secret`.
pub fn verify(
    secret: &[u8],
    header: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), SignatureError> {
    Signed::read(header, now)?.verify(secret, body)
}

/// A signature header that is well formed and inside the window: what can be checked before
/// knowing whose secret signs it (so that nothing about the tenant is revealed first).
#[derive(Debug, Clone)]
pub struct Signed {
    t: i64,
    candidates: Vec<Vec<u8>>,
}

impl Signed {
    /// Reads `header` at `now`: missing, malformed or expired, or a signature to verify.
    pub fn read(header: Option<&str>, now: i64) -> Result<Signed, SignatureError> {
        let header = header.ok_or(SignatureError::Missing)?;
        let mut t = None;
        let mut candidates = Vec::new();
        for part in header.split(',') {
            match part.trim().split_once('=') {
                Some(("t", v)) => {
                    t = Some(v.parse::<i64>().map_err(|_| SignatureError::Malformed)?)
                }
                Some(("v1", v)) => {
                    candidates.push(hex::decode(v).map_err(|_| SignatureError::Malformed)?);
                }
                Some(_) => {}
                None => return Err(SignatureError::Malformed),
            }
        }
        let t = t.ok_or(SignatureError::Malformed)?;
        if candidates.is_empty() {
            return Err(SignatureError::Malformed);
        }
        if (now - t).abs() > TOLERANCE_SECS {
            return Err(SignatureError::Expired);
        }
        Ok(Signed { t, candidates })
    }

    /// What the signature signs (`<t>.<body>`), hashed: the same for any resending of one
    /// signed request, however its header is dressed (extra `v1=` values, spacing).
    pub fn fingerprint(&self, body: &[u8]) -> String {
        let mut h = Sha256::new();
        h.update(self.t.to_string().as_bytes());
        h.update(b".");
        h.update(body);
        hex::encode(&h.finalize()[..16])
    }

    /// The last moment (unix s) this signature is accepted.
    pub fn accepted_until(&self) -> i64 {
        self.t + TOLERANCE_SECS
    }

    /// Whether one of the signatures is `body`'s under `secret` (compared in constant time).
    pub fn verify(&self, secret: &[u8], body: &[u8]) -> Result<(), SignatureError> {
        let expected = mac(secret, self.t, body);
        if self
            .candidates
            .iter()
            .any(|c| expected.clone().verify_slice(c).is_ok())
        {
            Ok(())
        } else {
            Err(SignatureError::Mismatch)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_000_000;

    #[test]
    fn a_fresh_signature_of_the_exact_body_passes() {
        let h = sign(b"s3cret", NOW - 10, b"{\"a\":1}");
        assert_eq!(verify(b"s3cret", Some(&h), b"{\"a\":1}", NOW), Ok(()));
    }

    #[test]
    fn a_known_vector_matches() {
        // python3 -c "import hmac,hashlib; print(hmac.new(b'key', b'1795000000.{}', hashlib.sha256).hexdigest())"
        assert_eq!(
            sign(b"key", NOW, b"{}"),
            "t=1795000000,v1=71f6cd81e7ac967a6bfd8d621347e9ee7792b1fde3a9a64c3161a631437c7fb6"
        );
    }

    #[test]
    fn missing_malformed_tampered_wrong_key_and_old_signatures_fail() {
        let body = b"{\"a\":1}";
        let good = sign(b"s3cret", NOW, body);
        assert_eq!(
            verify(b"s3cret", None, body, NOW),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify(b"s3cret", Some("nonsense"), body, NOW),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(b"s3cret", Some("t=1,v1=zz"), body, NOW),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(b"s3cret", Some(&good), b"{\"a\":2}", NOW),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(b"other", Some(&good), body, NOW),
            Err(SignatureError::Mismatch)
        );
        let old = sign(b"s3cret", NOW - TOLERANCE_SECS - 1, body);
        assert_eq!(
            verify(b"s3cret", Some(&old), body, NOW),
            Err(SignatureError::Expired)
        );
        let future = sign(b"s3cret", NOW + TOLERANCE_SECS + 1, body);
        assert_eq!(
            verify(b"s3cret", Some(&future), body, NOW),
            Err(SignatureError::Expired)
        );
    }

    #[test]
    fn any_of_several_v1_entries_may_match_during_a_secret_rotation() {
        let body = b"{}";
        let new = sign(b"new", NOW, body);
        let old = sign(b"old", NOW, body);
        let both = format!("{new},{}", old.split(',').nth(1).unwrap_or_default());
        assert_eq!(verify(b"old", Some(&both), body, NOW), Ok(()));
        assert_eq!(verify(b"new", Some(&both), body, NOW), Ok(()));
    }
}
