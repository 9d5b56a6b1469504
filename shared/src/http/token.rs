//! HS256 bearer tokens for the local server (in AWS, API Gateway's JWT authorizer verifies
//! the identity provider's tokens instead).

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::http::auth::{Claims, MembershipRef, Role};

pub const ISSUER: &str = "crm-local";
pub const AUDIENCE: &str = "crm-admin";

#[derive(Debug, Serialize, Deserialize)]
struct TokenClaims {
    sub: String,
    tenant_id: String,
    role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mv: Option<u64>,
    iss: String,
    aud: String,
    exp: i64,
    iat: i64,
}

#[derive(Debug, thiserror::Error)]
#[error("invalid token: {0}")]
pub struct TokenError(String);

/// Issues a token for `claims`, valid for `ttl_secs` from `now_epoch`.
pub fn issue(
    claims: &Claims,
    secret: &[u8],
    now_epoch: i64,
    ttl_secs: i64,
) -> Result<String, TokenError> {
    let body = TokenClaims {
        sub: claims.sub.clone(),
        tenant_id: claims.tenant_id.clone(),
        role: claims.role.as_str().to_owned(),
        mid: claims.membership.as_ref().map(|m| m.id.clone()),
        mv: claims.membership.as_ref().map(|m| m.version),
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        exp: now_epoch + ttl_secs,
        iat: now_epoch,
    };
    encode(
        &Header::new(Algorithm::HS256),
        &body,
        &EncodingKey::from_secret(secret),
    )
    .map_err(|e| TokenError(e.to_string()))
}

/// Verifies signature, issuer, audience and expiry; returns the claims.
pub fn verify(token: &str, secret: &[u8]) -> Result<Claims, TokenError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    let data = decode::<TokenClaims>(token, &DecodingKey::from_secret(secret), &validation)
        .map_err(|e| TokenError(e.to_string()))?;
    let role = Role::parse(&data.claims.role).ok_or_else(|| TokenError("unknown role".into()))?;
    let membership = match (data.claims.mid, data.claims.mv) {
        (Some(id), Some(version)) => Some(MembershipRef { id, version }),
        (None, None) => None,
        _ => return Err(TokenError("a membership needs its id and version".into())),
    };
    Ok(Claims {
        tenant_id: data.claims.tenant_id,
        role,
        sub: data.claims.sub,
        membership,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner() -> Claims {
        Claims {
            tenant_id: "demo".into(),
            role: Role::Owner,
            sub: "u1".into(),
            membership: Some(MembershipRef {
                id: "M1".into(),
                version: 3,
            }),
        }
    }

    #[test]
    fn an_issued_token_verifies_to_the_same_claims() {
        let now = chrono::Utc::now().timestamp();
        let t = issue(&owner(), b"secret", now, 60).unwrap_or_default();
        assert_eq!(verify(&t, b"secret").ok(), Some(owner()));
    }

    #[test]
    fn wrong_secret_or_expired_tokens_are_refused() {
        let now = chrono::Utc::now().timestamp();
        let t = issue(&owner(), b"secret", now, 60).unwrap_or_default();
        assert!(verify(&t, b"other").is_err());
        let old = issue(&owner(), b"secret", now - 7200, 60).unwrap_or_default();
        assert!(verify(&old, b"secret").is_err());
        assert!(verify("not.a.token", b"secret").is_err());
    }
}
