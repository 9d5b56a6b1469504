//! Reading an ID token: its header before any key is looked up, then its signature and claims
//! (OpenID Connect Core §3.1.3.7).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::Validation;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::error::InvalidToken;
use super::keys::{SigningAlgorithm, VerificationKey};

/// Far above any real ID token; a bound so a huge header is not decoded at all.
const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// What the header says, once the algorithm is known to be one this verifier accepts.
#[derive(Debug)]
pub(crate) struct TokenHeader {
    pub alg: SigningAlgorithm,
    pub kid: Option<String>,
}

#[derive(Deserialize)]
struct RawHeader {
    alg: String,
    kid: Option<String>,
    crit: Option<Value>,
}

/// Refuses `none`, HS* and anything but RS256/ES256 before a key is fetched for the token.
pub(crate) fn header(token: &str) -> Result<TokenHeader, InvalidToken> {
    if token.len() > MAX_TOKEN_BYTES || token.split('.').count() != 3 {
        return Err(InvalidToken::Malformed);
    }
    let encoded = token.split('.').next().unwrap_or_default();
    let bytes = URL_SAFE_NO_PAD
        .decode(encoded)
        .map_err(|_| InvalidToken::Malformed)?;
    let raw: RawHeader = serde_json::from_slice(&bytes).map_err(|_| InvalidToken::Malformed)?;
    let alg = SigningAlgorithm::parse(&raw.alg)
        .ok_or_else(|| InvalidToken::UnsupportedAlgorithm(raw.alg.clone()))?;
    if raw.crit.is_some() {
        return Err(InvalidToken::CriticalHeader);
    }
    Ok(TokenHeader { alg, kid: raw.kid })
}

/// The claims this verifier reads (`iss` and `aud` are checked by the JWT library).
#[derive(Debug, Deserialize)]
pub(crate) struct IdTokenClaims {
    pub sub: String,
    #[serde(deserialize_with = "numeric_date")]
    pub exp: i64,
    #[serde(deserialize_with = "numeric_date")]
    pub iat: i64,
    #[serde(default, deserialize_with = "optional_numeric_date")]
    pub nbf: Option<i64>,
    pub azp: Option<String>,
    pub nonce: Option<String>,
    pub email: Option<String>,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub email_verified: bool,
    pub name: Option<String>,
}

/// Checks the signature with `key`, then `iss` and `aud`; the times, `azp` and `nonce` are
/// `check`'s, on the caller's clock.
pub(crate) fn decode(
    token: &str,
    key: &VerificationKey,
    issuer: &str,
    client_id: &str,
) -> Result<IdTokenClaims, InvalidToken> {
    let mut validation = Validation::new(key.alg.jwt());
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[client_id]);
    validation.set_required_spec_claims(&["iss", "aud", "sub", "exp"]);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.leeway = 0;
    match jsonwebtoken::decode::<IdTokenClaims>(token, &key.key, &validation) {
        Ok(data) => Ok(data.claims),
        Err(e) => Err(match e.kind() {
            ErrorKind::InvalidSignature => InvalidToken::BadSignature,
            ErrorKind::InvalidIssuer => InvalidToken::WrongIssuer,
            ErrorKind::InvalidAudience => InvalidToken::WrongAudience,
            ErrorKind::MissingRequiredClaim(claim) | ErrorKind::InvalidClaimFormat(claim) => {
                InvalidToken::MissingClaim(claim.clone())
            }
            ErrorKind::Json(e) => missing_claim(&e.to_string()),
            // A key the issuer published that the crypto library cannot use cannot have
            // signed this token either.
            ErrorKind::InvalidRsaKey(_)
            | ErrorKind::InvalidEcdsaKey
            | ErrorKind::InvalidKeyFormat => InvalidToken::BadSignature,
            _ => InvalidToken::Malformed,
        }),
    }
}

/// serde names the field in "missing field `iat`"; anything else is a malformed payload.
fn missing_claim(message: &str) -> InvalidToken {
    match message.strip_prefix("missing field `") {
        Some(rest) => InvalidToken::MissingClaim(rest.split('`').next().unwrap_or_default().into()),
        None => InvalidToken::Malformed,
    }
}

/// The times (with `leeway_secs` of clock skew either way), the authorized party and the
/// nonce.
pub(crate) fn check(
    claims: &IdTokenClaims,
    now_epoch: i64,
    leeway_secs: i64,
    client_id: &str,
    expected_nonce: Option<&str>,
) -> Result<(), InvalidToken> {
    if now_epoch > claims.exp.saturating_add(leeway_secs) {
        return Err(InvalidToken::Expired);
    }
    if claims
        .nbf
        .is_some_and(|nbf| nbf > now_epoch.saturating_add(leeway_secs))
    {
        return Err(InvalidToken::NotYetValid);
    }
    if claims.iat > now_epoch.saturating_add(leeway_secs) {
        return Err(InvalidToken::IssuedInFuture);
    }
    if claims.azp.as_deref().is_some_and(|azp| azp != client_id) {
        return Err(InvalidToken::WrongAuthorizedParty);
    }
    if let Some(expected) = expected_nonce {
        if claims.nonce.as_deref() != Some(expected) {
            return Err(InvalidToken::NonceMismatch);
        }
    }
    Ok(())
}

/// RFC 7519 NumericDate: seconds, which the RFC lets be fractional.
fn numeric_date<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let n = serde_json::Number::deserialize(d)?;
    n.as_i64()
        .or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
        .ok_or_else(|| serde::de::Error::custom("not a NumericDate"))
}

fn optional_numeric_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    numeric_date(d).map(Some)
}

/// Some providers send `email_verified` as the string "true".
fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Bool(b) => b,
        Value::String(s) => s.eq_ignore_ascii_case("true"),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn encode(header: Value) -> String {
        format!(
            "{}.e30.c2ln",
            URL_SAFE_NO_PAD.encode(header.to_string().as_bytes())
        )
    }

    #[test]
    fn only_rs256_and_es256_headers_are_read() {
        for alg in ["RS256", "ES256"] {
            let h = header(&encode(json!({"alg": alg, "kid": "k"})));
            assert!(matches!(h, Ok(TokenHeader { kid: Some(_), .. })), "{alg}");
        }
        for alg in ["none", "HS256", "RS512", "PS256", "ES384", "EdDSA", "rs256"] {
            assert_eq!(
                header(&encode(json!({"alg": alg}))).err(),
                Some(InvalidToken::UnsupportedAlgorithm(alg.into()))
            );
        }
    }

    #[test]
    fn a_critical_header_extension_is_refused() {
        assert_eq!(
            header(&encode(json!({"alg": "RS256", "crit": ["exp"], "exp": 1}))).err(),
            Some(InvalidToken::CriticalHeader)
        );
    }

    #[test]
    fn what_is_not_a_three_part_jwt_is_malformed() {
        for token in ["", "abc", "a.b", "a.b.c.d", "!!!.e30.c2ln", "e30.e30.c2ln"] {
            assert_eq!(
                header(token).err(),
                Some(InvalidToken::Malformed),
                "{token}"
            );
        }
        let huge = format!("{}.e30.c2ln", "A".repeat(MAX_TOKEN_BYTES));
        assert_eq!(header(&huge).err(), Some(InvalidToken::Malformed));
    }

    fn claims(extra: Value) -> IdTokenClaims {
        let mut c = json!({"sub": "u1", "exp": 1_000, "iat": 900});
        if let (Some(c), Some(extra)) = (c.as_object_mut(), extra.as_object()) {
            c.extend(extra.clone());
        }
        serde_json::from_value(c).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn times_are_checked_with_the_leeway_either_way() {
        let c = claims(json!({"nbf": 950}));
        assert_eq!(check(&c, 1_060, 60, "spa", None), Ok(()));
        assert_eq!(
            check(&c, 1_061, 60, "spa", None),
            Err(InvalidToken::Expired)
        );
        assert_eq!(check(&c, 890, 60, "spa", None), Ok(()));
        assert_eq!(
            check(&c, 889, 60, "spa", None),
            Err(InvalidToken::NotYetValid)
        );
        let from_the_future = claims(json!({"iat": 1_000, "exp": 2_000}));
        assert_eq!(
            check(&from_the_future, 900, 60, "spa", None),
            Err(InvalidToken::IssuedInFuture)
        );
    }

    #[test]
    fn an_authorized_party_must_be_this_client() {
        assert_eq!(
            check(&claims(json!({"azp": "spa"})), 950, 0, "spa", None),
            Ok(())
        );
        assert_eq!(
            check(&claims(json!({"azp": "other"})), 950, 0, "spa", None),
            Err(InvalidToken::WrongAuthorizedParty)
        );
    }

    #[test]
    fn an_expected_nonce_must_be_in_the_token() {
        let c = claims(json!({"nonce": "n-1"}));
        assert_eq!(check(&c, 950, 0, "spa", Some("n-1")), Ok(()));
        assert_eq!(check(&c, 950, 0, "spa", None), Ok(()));
        assert_eq!(
            check(&c, 950, 0, "spa", Some("n-2")),
            Err(InvalidToken::NonceMismatch)
        );
        assert_eq!(
            check(&claims(json!({})), 950, 0, "spa", Some("n-1")),
            Err(InvalidToken::NonceMismatch)
        );
    }

    #[test]
    fn fractional_dates_and_a_string_email_verified_are_read() {
        let c = claims(json!({"exp": 1_000.5, "email_verified": "true"}));
        assert_eq!(c.exp, 1_000);
        assert!(c.email_verified);
        assert!(!claims(json!({"email_verified": "false"})).email_verified);
        assert!(!claims(json!({})).email_verified);
    }

    #[test]
    fn serdes_missing_field_names_the_claim() {
        assert_eq!(
            missing_claim("missing field `iat` at line 1 column 20"),
            InvalidToken::MissingClaim("iat".into())
        );
        assert_eq!(missing_claim("expected value"), InvalidToken::Malformed);
        assert_eq!(
            missing_claim("invalid type: string \"x\", expected `i64`"),
            InvalidToken::Malformed
        );
    }
}
