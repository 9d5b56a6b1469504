//! The issuer's signing keys (its JWKS), reduced to the ones this verifier accepts: RSA keys
//! (2048 bits or more) for RS256 and P-256 keys for ES256, published for signing.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use jsonwebtoken::DecodingKey;
use serde::Deserialize;
use serde_json::Value;

use super::error::{InvalidToken, OidcError};

/// The two algorithms an ID token may be signed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningAlgorithm {
    RS256,
    ES256,
}

impl SigningAlgorithm {
    pub fn parse(alg: &str) -> Option<Self> {
        match alg {
            "RS256" => Some(Self::RS256),
            "ES256" => Some(Self::ES256),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::RS256 => "RS256",
            Self::ES256 => "ES256",
        }
    }

    pub(crate) fn jwt(self) -> jsonwebtoken::Algorithm {
        match self {
            Self::RS256 => jsonwebtoken::Algorithm::RS256,
            Self::ES256 => jsonwebtoken::Algorithm::ES256,
        }
    }
}

/// One usable key: the algorithm it is for is decided here, from the key, never from a token.
pub(crate) struct VerificationKey {
    pub kid: Option<String>,
    pub alg: SigningAlgorithm,
    pub key: DecodingKey,
}

/// The keys as fetched, with the issuer they belong to (from its discovery document).
pub(crate) struct KeySet {
    pub issuer: String,
    pub keys: Vec<VerificationKey>,
    pub fetched_at: DateTime<Utc>,
}

/// RFC 7517 §4 members this verifier reads; any other member is ignored.
#[derive(Deserialize)]
struct RawJwk {
    kty: String,
    kid: Option<String>,
    #[serde(rename = "use")]
    key_use: Option<String>,
    key_ops: Option<Vec<String>>,
    alg: Option<String>,
    crv: Option<String>,
    n: Option<String>,
    e: Option<String>,
    x: Option<String>,
    y: Option<String>,
}

const MIN_RSA_MODULUS_BYTES: usize = 2048 / 8;
const P256_COORDINATE_BYTES: usize = 32;

impl KeySet {
    /// Reads a JWKS document. Keys for encryption, for other algorithms or too weak are
    /// skipped (an issuer may publish those for other clients); a set with no usable key
    /// is the issuer's misconfiguration as far as this client is concerned.
    pub fn parse(
        document: &Value,
        issuer: String,
        fetched_at: DateTime<Utc>,
    ) -> Result<Self, OidcError> {
        let entries = document
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                OidcError::IssuerMisconfigured("the JWKS document has no `keys` array".into())
            })?;
        let keys: Vec<VerificationKey> = entries
            .iter()
            .filter_map(|entry| serde_json::from_value::<RawJwk>(entry.clone()).ok())
            .filter_map(usable)
            .collect();
        if keys.is_empty() {
            return Err(OidcError::IssuerMisconfigured(format!(
                "the JWKS publishes no RS256 or ES256 signing key ({} keys in it)",
                entries.len()
            )));
        }
        Ok(Self {
            issuer,
            keys,
            fetched_at,
        })
    }

    /// Whether a token naming `kid` has a key to look at here (its algorithm is checked by
    /// `find`). A token without a kid can only mean the set's one key.
    pub fn knows(&self, kid: Option<&str>) -> bool {
        match kid {
            Some(kid) => self.keys.iter().any(|k| k.kid.as_deref() == Some(kid)),
            None => self.keys.len() == 1,
        }
    }

    /// The key a token with this header was signed with.
    pub fn find(
        &self,
        kid: Option<&str>,
        alg: SigningAlgorithm,
    ) -> Result<&VerificationKey, InvalidToken> {
        let mut candidates = self
            .keys
            .iter()
            .filter(|k| kid.is_none() || k.kid.as_deref() == kid)
            .peekable();
        if candidates.peek().is_none() || (kid.is_none() && self.keys.len() != 1) {
            return Err(InvalidToken::UnknownKey(kid.map(str::to_owned)));
        }
        candidates
            .find(|k| k.alg == alg)
            .ok_or_else(|| InvalidToken::KeyAlgorithmMismatch {
                alg: alg.as_str().to_owned(),
                kid: kid.map(str::to_owned),
            })
    }
}

fn usable(jwk: RawJwk) -> Option<VerificationKey> {
    if jwk.key_use.as_deref().is_some_and(|u| u != "sig") {
        return None;
    }
    if jwk
        .key_ops
        .as_ref()
        .is_some_and(|ops| !ops.iter().any(|op| op == "verify"))
    {
        return None;
    }
    let declared = match jwk.alg.as_deref() {
        None => None,
        Some(alg) => Some(SigningAlgorithm::parse(alg)?),
    };
    let (alg, key) = match jwk.kty.as_str() {
        "RSA" => {
            let (n, e) = (jwk.n?, jwk.e?);
            let modulus = URL_SAFE_NO_PAD.decode(&n).ok()?;
            let significant = modulus.iter().skip_while(|b| **b == 0).count();
            if significant < MIN_RSA_MODULUS_BYTES || URL_SAFE_NO_PAD.decode(&e).ok()?.is_empty() {
                return None;
            }
            (
                SigningAlgorithm::RS256,
                DecodingKey::from_rsa_components(&n, &e).ok()?,
            )
        }
        "EC" if jwk.crv.as_deref() == Some("P-256") => {
            let (x, y) = (jwk.x?, jwk.y?);
            for coordinate in [&x, &y] {
                if URL_SAFE_NO_PAD.decode(coordinate).ok()?.len() != P256_COORDINATE_BYTES {
                    return None;
                }
            }
            (
                SigningAlgorithm::ES256,
                DecodingKey::from_ec_components(&x, &y).ok()?,
            )
        }
        _ => return None,
    };
    if declared.is_some_and(|d| d != alg) {
        return None;
    }
    Some(VerificationKey {
        kid: jwk.kid,
        alg,
        key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rsa() -> Value {
        let text = include_str!("../../tests/fixtures/oidc/rsa-public.jwk.json");
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}"))
    }

    fn ec() -> Value {
        let text = include_str!("../../tests/fixtures/oidc/ec-public.jwk.json");
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}"))
    }

    fn parse(keys: Vec<Value>) -> Result<KeySet, OidcError> {
        KeySet::parse(&json!({ "keys": keys }), "https://id".into(), Utc::now())
    }

    fn with(mut key: Value, member: &str, value: Value) -> Value {
        key[member] = value;
        key
    }

    fn kids(set: &KeySet) -> Vec<(Option<&str>, SigningAlgorithm)> {
        set.keys.iter().map(|k| (k.kid.as_deref(), k.alg)).collect()
    }

    #[test]
    fn rsa_keys_are_for_rs256_and_p256_keys_for_es256() {
        let set = parse(vec![rsa(), ec()]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            kids(&set),
            [
                (Some("test-rsa-1"), SigningAlgorithm::RS256),
                (Some("test-ec-1"), SigningAlgorithm::ES256)
            ]
        );
    }

    #[test]
    fn encryption_keys_other_algorithms_and_unknown_key_types_are_skipped() {
        let set = parse(vec![
            with(rsa(), "use", json!("enc")),
            with(with(rsa(), "alg", json!("PS256")), "kid", json!("pss")),
            with(with(ec(), "key_ops", json!(["encrypt"])), "kid", json!("ops")),
            with(ec(), "crv", json!("P-384")),
            json!({"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"}),
            json!({"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}),
            json!("not an object"),
            with(ec(), "kid", json!("kept")),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(kids(&set), [(Some("kept"), SigningAlgorithm::ES256)]);
    }

    #[test]
    fn an_rsa_key_shorter_than_2048_bits_is_skipped() {
        let short = URL_SAFE_NO_PAD.encode([0xc5u8; 128]);
        let set = parse(vec![with(rsa(), "n", json!(short)), ec()]);
        assert_eq!(
            set.map(|s| s.keys.len()).unwrap_or_else(|e| panic!("{e}")),
            1
        );
    }

    #[test]
    fn a_set_without_a_usable_key_is_the_issuers_misconfiguration() {
        assert!(matches!(
            parse(vec![with(rsa(), "use", json!("enc"))]),
            Err(OidcError::IssuerMisconfigured(_))
        ));
        assert!(matches!(
            KeySet::parse(&json!({"no": "keys"}), "https://id".into(), Utc::now()),
            Err(OidcError::IssuerMisconfigured(_))
        ));
    }

    #[test]
    fn a_kid_finds_its_key_only_for_the_keys_algorithm() {
        let set = parse(vec![rsa(), ec()]).unwrap_or_else(|e| panic!("{e}"));
        assert!(set.find(Some("test-ec-1"), SigningAlgorithm::ES256).is_ok());
        assert!(matches!(
            set.find(Some("test-ec-1"), SigningAlgorithm::RS256),
            Err(InvalidToken::KeyAlgorithmMismatch { .. })
        ));
        assert_eq!(
            set.find(Some("other"), SigningAlgorithm::RS256).err(),
            Some(InvalidToken::UnknownKey(Some("other".into())))
        );
    }

    #[test]
    fn a_token_without_a_kid_may_only_use_a_sole_key() {
        let two = parse(vec![rsa(), ec()]).unwrap_or_else(|e| panic!("{e}"));
        assert!(!two.knows(None));
        assert_eq!(
            two.find(None, SigningAlgorithm::RS256).err(),
            Some(InvalidToken::UnknownKey(None))
        );
        let one = parse(vec![rsa()]).unwrap_or_else(|e| panic!("{e}"));
        assert!(one.knows(None));
        assert!(one.find(None, SigningAlgorithm::RS256).is_ok());
    }
}
