//! `pre_token`: Cognito's pre token generation trigger (event version 2, DESIGN §7.1). Every
//! token Cognito issues (sign-in, hosted UI, refresh) gets its tenant, role and membership
//! (`tenant_id`, `role`, `mid`, `mv`) from the membership item of the person's *verified*
//! email, never from anything the user can write: custom attributes of the same names are
//! suppressed. An invited membership becomes active, recorded with the Cognito `sub`. Someone
//! with no standing membership (removed, or never invited) gets a token without tenant claims:
//! they may still found a business (`POST /tenants`) and sign in again.

use std::collections::HashMap;

use crm_shared::domain::member::{Member, MemberStatus};
use crm_shared::ports::store::StoreError;
use crm_shared::store::members::{self, MemberError};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::context::Ctx;

/// The claims this trigger owns: set from the membership, or taken out when there is none.
pub const TENANT_CLAIMS: [&str; 4] = ["tenant_id", "role", "mid", "mv"];
/// User attributes that could pass for tenant claims (custom attributes reach the ID token
/// as `custom:<name>`): always suppressed.
const LOOKALIKES: [&str; 2] = ["custom:tenant_id", "custom:role"];

#[derive(Debug, thiserror::Error)]
pub enum PreTokenError {
    /// Not a version 2 pre token generation event: Cognito is configured wrongly.
    #[error("not a pre token generation V2 event: {0}")]
    Malformed(String),
    /// The table did not answer: no token is better than one without its checks.
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Membership(#[from] MemberError),
}

/// What the trigger reads of the event.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PreTokenEvent {
    version: String,
    trigger_source: String,
    request: TokenRequest,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenRequest {
    #[serde(default)]
    user_attributes: HashMap<String, Value>,
}

/// Answers the event: the event itself with `response.claimsAndScopeOverrideDetails` set.
pub async fn handle(ctx: &Ctx, mut event: Value) -> Result<Value, PreTokenError> {
    let read: PreTokenEvent = serde_json::from_value(event.clone())
        .map_err(|e| PreTokenError::Malformed(e.to_string()))?;
    if read.version != "2" || !read.trigger_source.starts_with("TokenGeneration_") {
        return Err(PreTokenError::Malformed(format!(
            "version {:?}, trigger {:?}",
            read.version, read.trigger_source
        )));
    }
    let member = membership(ctx, &read.request.user_attributes).await?;
    let details = overrides(member.as_ref());
    match event.get_mut("response").and_then(Value::as_object_mut) {
        Some(response) => {
            response.insert("claimsAndScopeOverrideDetails".into(), details);
        }
        None => {
            if let Some(root) = event.as_object_mut() {
                root.insert(
                    "response".into(),
                    json!({"claimsAndScopeOverrideDetails": details}),
                );
            }
        }
    }
    match &member {
        Some(m) => tracing::info!(
            trigger = %read.trigger_source, tenant = %m.tenant_id, member_id = %m.id,
            role = %m.role, "token names a membership"
        ),
        None => tracing::info!(trigger = %read.trigger_source, "token names no membership"),
    }
    Ok(event)
}

/// The membership a token of the person with these attributes names: the first standing one
/// (by tenant id) of their email, only when Cognito says the email is verified. An invited
/// one is activated as the Cognito user (`sub`) first.
async fn membership(
    ctx: &Ctx,
    attributes: &HashMap<String, Value>,
) -> Result<Option<Member>, PreTokenError> {
    let attribute = |name: &str| attributes.get(name).and_then(Value::as_str);
    let (Some(email), Some("true"), Some(sub)) = (
        attribute("email").filter(|e| !e.trim().is_empty()),
        attribute("email_verified"),
        attribute("sub").filter(|s| !s.is_empty()),
    ) else {
        return Ok(None);
    };
    let store = ctx.store.as_ref();
    let Some(member) = members::of_person(store, email).await?.into_iter().next() else {
        return Ok(None);
    };
    let standing = member.status == MemberStatus::Active && member.sub.as_deref() == Some(sub);
    if standing {
        return Ok(Some(member));
    }
    match members::activate(store, &member.tenant_id, &member.id, sub, ctx.clock.now()).await {
        Ok(active) => Ok(Some(active)),
        // Removed between the two reads: as if it had never been.
        Err(MemberError::NotFound) => Ok(None),
        Err(other) => Err(other.into()),
    }
}

/// `claimsAndScopeOverrideDetails` for both tokens: the membership's claims (strings), or
/// none of them; look-alike user attributes suppressed either way.
pub fn overrides(member: Option<&Member>) -> Value {
    let mut add = Map::new();
    let mut suppress: Vec<&str> = LOOKALIKES.to_vec();
    match member {
        Some(m) => {
            add.insert("tenant_id".into(), m.tenant_id.clone().into());
            add.insert("role".into(), m.role.as_str().into());
            add.insert("mid".into(), m.id.clone().into());
            add.insert("mv".into(), m.version.to_string().into());
        }
        None => suppress.extend(TENANT_CLAIMS),
    }
    let generation = json!({"claimsToAddOrOverride": add, "claimsToSuppress": suppress});
    json!({
        "idTokenGeneration": generation,
        "accessTokenGeneration": generation,
    })
}
