//! A business signs up (`POST /tenants`, crm-local's first-run setup, the operator CLI): a
//! new tenant and its first owner, written in one transaction so neither exists without the
//! other. The tenant id is made from the business name; reserved words are refused and an id
//! already taken is a conflict.

use chrono::{DateTime, Utc};
use crm_shared::domain::member::{
    tenant_id_from_name, Member, MemberStatus, Role, RESERVED_TENANT_IDS,
};
use crm_shared::domain::tenant::{NewBusiness, TenantSettings};
use crm_shared::http::problem::ApiError;
use crm_shared::ports::store::{Store, StoreError, Write};
use crm_shared::store::{members, tenants};
use serde_json::json;

/// The business's first owner.
#[derive(Debug, Clone)]
pub struct Owner<'a> {
    pub email: &'a str,
    /// Their id at the identity provider (or local account) when they are signed in as they
    /// sign up: they are active at once. None: invited (the operator CLI).
    pub sub: Option<&'a str>,
    /// Who brings them in (`setup`, `operator`, or their own `sub`).
    pub invited_by: &'a str,
}

/// The tenant id `business` gets, or why it cannot have one.
pub fn tenant_id_for(business: &NewBusiness) -> Result<String, ApiError> {
    let id = tenant_id_from_name(&business.name).ok_or_else(|| {
        ApiError::field(
            "business_name",
            "must contain at least two letters or digits",
        )
    })?;
    if RESERVED_TENANT_IDS.contains(&id.as_str()) {
        return Err(ApiError::field(
            "business_name",
            format!("makes the address `{id}`, which is reserved; choose another name"),
        ));
    }
    Ok(id)
}

/// Creates the business and its owner, with `more` writes in the same transaction (the
/// owner's local account). 409 when the tenant id is taken.
pub async fn found_business(
    store: &dyn Store,
    business: &NewBusiness,
    owner: Owner<'_>,
    more: Vec<Write>,
    now: DateTime<Utc>,
) -> Result<(TenantSettings, Member), ApiError> {
    let tenant_id = tenant_id_for(business)?;
    let settings = business.settings(&tenant_id);
    let mut member = Member::invited(
        ulid::Ulid::from_datetime(now.into()).to_string(),
        &tenant_id,
        owner.email,
        Role::Owner,
        owner.invited_by,
        now,
    );
    if let Some(sub) = owner.sub {
        member.status = MemberStatus::Active;
        member.sub = Some(sub.to_owned());
    }
    let mut writes = tenants::create_writes(&settings)?;
    writes.extend(members::add_writes(&member)?);
    writes.extend(more);
    match store.transact(writes).await {
        Ok(()) => {
            tracing::info!(tenant = %tenant_id, member_id = %member.id, "business created");
            Ok((settings, member))
        }
        Err(StoreError::ConditionFailed(tenants::TENANT_EXISTS)) => Err(ApiError::conflict(
            format!("a business already has the address `{tenant_id}`; choose another name"),
            json!({"conflict": "tenant_id", "tenant_id": tenant_id}),
        )),
        Err(e) => Err(e.into()),
    }
}
