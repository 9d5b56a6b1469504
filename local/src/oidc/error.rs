//! Why an ID token was not accepted: the issuer's fault (503, try later) or the token's (401).

use crm_shared::http::problem::ApiError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OidcError {
    /// The issuer did not answer, timed out, or answered with an error status.
    #[error("the identity provider could not be reached at {url}: {reason}")]
    IssuerUnreachable { url: String, reason: String },
    /// The issuer answered, but not as OIDC discovery promises (another issuer in its
    /// document, not JSON, no RS256 or ES256 signing key…): an operator has to look.
    #[error("the identity provider is misconfigured: {0}")]
    IssuerMisconfigured(String),
    /// The token itself is not acceptable.
    #[error("the ID token is not valid: {0}")]
    InvalidToken(#[from] InvalidToken),
}

impl OidcError {
    /// Whether the fault is the issuer's (answer 503 and retry later), not the token's.
    pub fn is_upstream(&self) -> bool {
        !matches!(self, OidcError::InvalidToken(_))
    }
}

/// What is wrong with a token. The variants are for logs and tests; the caller answers the
/// same 401 for all of them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidToken {
    #[error("not a signed JWT")]
    Malformed,
    /// `none`, HS*, or anything but RS256 and ES256.
    #[error("the algorithm `{0}` is not accepted (RS256 or ES256 only)")]
    UnsupportedAlgorithm(String),
    /// The header names critical extensions (`crit`), which this verifier does not know.
    #[error("the header names critical extensions")]
    CriticalHeader,
    #[error("signed with a key the issuer does not publish (kid {0:?})")]
    UnknownKey(Option<String>),
    /// The header's `alg` is not the algorithm of the key it names (an RS256 token on an EC
    /// key, or on an RSA key published for another algorithm).
    #[error("the algorithm `{alg}` does not match key {kid:?}")]
    KeyAlgorithmMismatch { alg: String, kid: Option<String> },
    #[error("the signature does not verify")]
    BadSignature,
    #[error("issued by another issuer")]
    WrongIssuer,
    #[error("issued for another client (aud)")]
    WrongAudience,
    #[error("authorized for another client (azp)")]
    WrongAuthorizedParty,
    #[error("the claim `{0}` is missing or not of the right type")]
    MissingClaim(String),
    #[error("expired")]
    Expired,
    #[error("not valid yet (nbf)")]
    NotYetValid,
    #[error("issued in the future (iat)")]
    IssuedInFuture,
    #[error("the nonce does not match the sign-in request's")]
    NonceMismatch,
}

impl From<OidcError> for ApiError {
    fn from(e: OidcError) -> Self {
        match e {
            OidcError::InvalidToken(reason) => {
                // The reason stays in the log: the answer does not teach a forger which check
                // failed.
                tracing::info!(reason = %reason, "ID token refused");
                ApiError::Unauthorized
            }
            upstream => ApiError::Unavailable(upstream.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::StatusCode;

    #[test]
    fn an_invalid_token_answers_401_and_an_unreachable_or_misconfigured_issuer_503() {
        let refused: ApiError = OidcError::InvalidToken(InvalidToken::Expired).into();
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        let down: ApiError = OidcError::IssuerUnreachable {
            url: "http://127.0.0.1:1/.well-known/openid-configuration".into(),
            reason: "connection refused".into(),
        }
        .into();
        assert_eq!(down.status(), StatusCode::SERVICE_UNAVAILABLE);
        let wrong: ApiError = OidcError::IssuerMisconfigured("no keys".into()).into();
        assert_eq!(wrong.status(), StatusCode::SERVICE_UNAVAILABLE);
        let response = wrong.into_response();
        assert_eq!(
            response.headers()[http::header::CONTENT_TYPE],
            crm_shared::http::problem::PROBLEM_JSON
        );
    }

    #[test]
    fn only_the_issuers_faults_are_upstream() {
        assert!(OidcError::IssuerMisconfigured(String::new()).is_upstream());
        assert!(!OidcError::from(InvalidToken::BadSignature).is_upstream());
    }
}
