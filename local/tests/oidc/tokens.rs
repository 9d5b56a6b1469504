//! Signing test ID tokens with the fixture keys (local/tests/fixtures/oidc, test-only).

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::Value;

pub const RSA_KID: &str = "test-rsa-1";
pub const EC_KID: &str = "test-ec-1";

const RSA_PEM: &str = include_str!("../fixtures/oidc/rsa-private.pem");
const EC_PEM: &str = include_str!("../fixtures/oidc/ec-private.pem");

pub fn rsa_jwk() -> Value {
    json_fixture(include_str!("../fixtures/oidc/rsa-public.jwk.json"))
}

pub fn ec_jwk() -> Value {
    json_fixture(include_str!("../fixtures/oidc/ec-public.jwk.json"))
}

fn json_fixture(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("fixture: {e}"))
}

/// The DER inside a PEM (the JWT library reads DER without its `use_pem` feature): PKCS#1
/// for the RSA key, PKCS#8 for the EC key, as the library wants them.
fn der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).unwrap_or_else(|e| panic!("pem: {e}"))
}

pub fn rsa_key() -> EncodingKey {
    EncodingKey::from_rsa_der(&der(RSA_PEM))
}

pub fn ec_key() -> EncodingKey {
    EncodingKey::from_ec_der(&der(EC_PEM))
}

/// A token signed with `key` under `alg`, its header naming `kid`.
pub fn sign(alg: Algorithm, kid: Option<&str>, key: &EncodingKey, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, key).unwrap_or_else(|e| panic!("sign: {e}"))
}

pub fn rs256(claims: &Value) -> String {
    sign(Algorithm::RS256, Some(RSA_KID), &rsa_key(), claims)
}

pub fn es256(claims: &Value) -> String {
    sign(Algorithm::ES256, Some(EC_KID), &ec_key(), claims)
}

/// A token whose header and payload are whatever the test says, signed with nothing
/// (`alg: none` has an empty signature).
pub fn unsigned(header: &Value, claims: &Value, signature: &str) -> String {
    format!(
        "{}.{}.{signature}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

/// `token` with its payload replaced, the header and signature kept.
pub fn with_payload(token: &str, claims: &Value) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        parts[2]
    )
}
