//! Who is calling: the claims the HTTP API JWT authorizer verified (DESIGN §3, §7).
//!
//! In Lambda, API Gateway verifies the token and puts its claims in the request context;
//! locally, crm-local verifies an HS256 token and puts the same claims in the same place, so
//! handlers read them one way.

use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use serde::{Deserialize, Serialize};

use crate::domain::tenant::is_valid_tenant_id;
use crate::http::problem::ApiError;

pub use crate::domain::member::Role;

/// The caller of an admin route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub tenant_id: String,
    pub role: Role,
    /// The user's id, recorded as the actor of what they do.
    pub sub: String,
    /// The membership the token was issued for, and its version then (`mid`, `mv`): a token
    /// whose membership moved on since (removed, or its role changed) is refused. Tokens
    /// minted without one (the dev sign-in, the CLI's) are trusted as they are.
    pub membership: Option<MembershipRef>,
}

/// A membership as a token names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipRef {
    pub id: String,
    pub version: u64,
}

impl Claims {
    /// Refuses callers below `min`.
    pub fn require(&self, min: Role) -> Result<(), ApiError> {
        if self.role >= min {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }
}

/// The verified claims of the request's token (API Gateway's JWT authorizer, or crm-local's
/// gateway, put them in the request context); none → 401.
fn token_claims(request: &Request) -> Result<&std::collections::HashMap<String, String>, ApiError> {
    let Some(RequestContext::ApiGatewayV2(ctx)) = request.request_context_ref() else {
        return Err(ApiError::Unauthorized);
    };
    ctx.authorizer
        .as_ref()
        .and_then(|a| a.jwt.as_ref())
        .map(|jwt| &jwt.claims)
        .ok_or(ApiError::Unauthorized)
}

/// The caller of a person route: someone the identity provider verified, business or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Their id at the identity provider.
    pub sub: String,
    /// Lowercased; verified by the identity provider.
    pub email: String,
}

/// Reads the person from the verified claims: `sub` and `email` (401 without either), and
/// `email_verified`, which when present must be true (a token says `"true"`, API Gateway
/// hands claims over as strings). crm-local's own tokens name no email: they are refused with
/// the reason (on one machine the first-run setup founds the business).
pub fn person(request: &Request) -> Result<Person, ApiError> {
    let claims = token_claims(request)?;
    let get = |name: &str| claims.get(name).map(|s| s.trim()).filter(|s| !s.is_empty());
    let sub = get("sub").ok_or(ApiError::Unauthorized)?;
    let email = get("email").ok_or_else(|| {
        ApiError::UnauthorizedBecause(
            "the token names no email address: sign in with the identity provider".into(),
        )
    })?;
    if get("email_verified").is_some_and(|v| !v.eq_ignore_ascii_case("true")) {
        return Err(ApiError::UnauthorizedBecause(
            "the token's email address is not verified: verify it, then sign in again".into(),
        ));
    }
    let email = email.to_lowercase();
    if !crate::domain::validation::is_plausible_email(&email) {
        return Err(ApiError::UnauthorizedBecause(
            "the token's email claim is not an email address".into(),
        ));
    }
    Ok(Person {
        sub: sub.to_owned(),
        email,
    })
}

/// Reads the verified claims from the request context; missing or malformed → 401.
pub fn claims(request: &Request) -> Result<Claims, ApiError> {
    let claims = token_claims(request)?;
    let get = |name: &str| {
        claims
            .get(name)
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    };
    let tenant_id = get("tenant_id").ok_or(ApiError::Unauthorized)?;
    let role = get("role")
        .and_then(Role::parse)
        .ok_or(ApiError::Unauthorized)?;
    let sub = get("sub").ok_or(ApiError::Unauthorized)?;
    if !is_valid_tenant_id(tenant_id) {
        return Err(ApiError::Unauthorized);
    }
    let membership = match (get("mid"), get("mv")) {
        (None, None) => None,
        (Some(id), Some(version)) => Some(MembershipRef {
            id: id.to_owned(),
            version: version.parse().map_err(|_| ApiError::Unauthorized)?,
        }),
        _ => return Err(ApiError::Unauthorized),
    };
    Ok(Claims {
        tenant_id: tenant_id.to_owned(),
        role,
        sub: sub.to_owned(),
        membership,
    })
}
