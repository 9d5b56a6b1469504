//! Members of a business (DESIGN §7.1): one item per member under the tenant, and one per
//! person and tenant under the person (`PERSON#<email>` / `T#<tenant>`), written together. The
//! person's item makes an email a member of a tenant at most once and answers "which
//! businesses may this person sign in to" with one strongly consistent query, which the
//! sign-in and the cloud's pre-token trigger both ask.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::domain::member::{
    keeps_an_owner, may_manage, Member, MemberRuleError, MemberStatus, Role,
};
use crate::ports::store::{
    from_item, to_item, Check, Cond, Index, Query, SkCond, Store, StoreError, Update, Write, PK, SK,
};
use crate::store::keys;
use crate::store::retry::{commit, optimistically, write, Attempt};

/// Why a change of members was not made.
#[derive(Debug, thiserror::Error)]
pub enum MemberError {
    #[error("member not found")]
    NotFound,
    /// The email already belongs to a member of the tenant.
    #[error("{0} is already a member")]
    Exists(String),
    #[error(transparent)]
    Rule(#[from] MemberRuleError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

const MEMBER_EXISTS: &str = "member_exists";
const MEMBER_CHANGED: &str = "member_changed";
const OWNER_CHANGED: &str = "owner_changed";

fn member_item(member: &Member) -> Result<crate::ports::store::Item, StoreError> {
    let key = keys::member_key(&member.tenant_id, &member.id);
    let mut item = to_item(member)?;
    item.insert(PK.into(), key.pk.into());
    item.insert(SK.into(), key.sk.into());
    Ok(item)
}

/// Adds `member` (new: its email is not a member of the tenant yet, else `Exists`).
pub async fn add(store: &dyn Store, member: &Member) -> Result<(), MemberError> {
    store
        .transact(add_writes(member)?)
        .await
        .map_err(|e| match e {
            StoreError::ConditionFailed(MEMBER_EXISTS) => MemberError::Exists(member.email.clone()),
            other => other.into(),
        })
}

/// The writes adding `member`: its item and the person's membership, both new.
pub fn add_writes(member: &Member) -> Result<Vec<Write>, StoreError> {
    let pointer_key = keys::membership_key(&member.email, &member.tenant_id);
    let mut pointer = pointer_key.item();
    pointer.insert("tenant_id".into(), member.tenant_id.clone().into());
    pointer.insert("member_id".into(), member.id.clone().into());
    Ok(vec![
        Write::put(member_item(member)?).with_check(Check::new(MEMBER_EXISTS, Cond::NotExists)),
        Write::put(pointer).with_check(Check::new(MEMBER_EXISTS, Cond::NotExists)),
    ])
}

pub async fn get(store: &dyn Store, tenant: &str, id: &str) -> Result<Option<Member>, StoreError> {
    store
        .get(&keys::member_key(tenant, id))
        .await?
        .map(|item| from_item(&item))
        .transpose()
}

/// The tenant's members, removed ones included (the caller filters), in id order.
pub async fn list(store: &dyn Store, tenant: &str) -> Result<Vec<Member>, StoreError> {
    let mut members = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .query(
                &Query::new(Index::Primary, keys::members_pk(tenant))
                    .sk(SkCond::All)
                    .limit(500)
                    .after(cursor),
            )
            .await?;
        for item in &page.items {
            members.push(from_item(item)?);
        }
        match page.next {
            Some(c) => cursor = Some(c),
            None => return Ok(members),
        }
    }
}

/// How many businesses the person owns (memberships as owner, not removed).
pub async fn owned_by(store: &dyn Store, email: &str) -> Result<usize, StoreError> {
    Ok(of_person(store, email)
        .await?
        .iter()
        .filter(|m| m.role == crate::domain::member::Role::Owner)
        .count())
}

/// The person's memberships that are not removed, as (tenant, member), by tenant id.
pub async fn of_person(store: &dyn Store, email: &str) -> Result<Vec<Member>, StoreError> {
    let email = email.trim().to_lowercase();
    let page = store
        .query(
            &Query::new(Index::Primary, keys::person_pk(&email))
                .sk(SkCond::BeginsWith(keys::MEMBERSHIP_PREFIX.into()))
                .limit(100),
        )
        .await?;
    let keys: Vec<_> = page
        .items
        .iter()
        .filter_map(|item| {
            let field = |name: &str| item.get(name).and_then(Value::as_str);
            Some(keys::member_key(field("tenant_id")?, field("member_id")?))
        })
        .collect();
    let mut members = Vec::new();
    for item in store.get_many(&keys).await? {
        let member: Member = from_item(&item)?;
        if member.status != MemberStatus::Removed {
            members.push(member);
        }
    }
    members.sort_by(|a, b| a.tenant_id.cmp(&b.tenant_id));
    Ok(members)
}

/// Changes member `id`'s role (`Some`) or removes them (`None`), as `actor` may (owners manage
/// everyone, admins staff only) and keeping an owner. The version moves, so tokens issued
/// before are refused. Two owners demoting each other at once cannot both succeed: the change
/// also checks that the owner it counts on is unchanged.
pub async fn change(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    to: Option<Role>,
    actor: Role,
    now: DateTime<Utc>,
) -> Result<Member, MemberError> {
    optimistically(|| async move {
        let members = list(store, tenant).await?;
        let member = members
            .iter()
            .find(|m| m.id == id && m.status != MemberStatus::Removed)
            .ok_or(MemberError::NotFound)?;
        may_manage(actor, Some(member.role), to)?;
        let other_owner = members
            .iter()
            .find(|m| m.id != id && m.role == Role::Owner && m.status == MemberStatus::Active);
        keeps_an_owner(other_owner.map(|o| o.role), member.role, to)?;
        let mut changed = member.clone();
        changed.version += 1;
        changed.updated_at = now;
        let mut update = Update::default()
            .set("version", changed.version)
            .set("updated_at", now.to_rfc3339());
        match to {
            Some(role) => {
                changed.role = role;
                update = update.set("role", role.as_str());
            }
            None => {
                changed.status = MemberStatus::Removed;
                update = update.set("status", "removed");
            }
        }
        let mut writes = vec![Write::Update {
            key: keys::member_key(tenant, id),
            update,
            check: Some(Check::new(
                MEMBER_CHANGED,
                Cond::Eq("version".into(), member.version.into()),
            )),
        }];
        if to.is_none() {
            writes.push(Write::Delete {
                key: keys::membership_key(&member.email, tenant),
                check: None,
            });
        }
        if member.role == Role::Owner && to != Some(Role::Owner) {
            if let Some(owner) = other_owner {
                writes.push(Write::ConditionCheck {
                    key: keys::member_key(tenant, &owner.id),
                    check: Check::new(
                        OWNER_CHANGED,
                        Cond::Eq("version".into(), owner.version.into()),
                    ),
                });
            }
        }
        Ok(commit(store, writes, &[MEMBER_CHANGED, OWNER_CHANGED])
            .await?
            .map(|()| changed))
    })
    .await
}

/// Marks an invited member active, signed in as `sub` (their account or identity provider's
/// id). Already active as `sub`: unchanged. Removed or gone: `NotFound`.
pub async fn activate(
    store: &dyn Store,
    tenant: &str,
    id: &str,
    sub: &str,
    now: DateTime<Utc>,
) -> Result<Member, MemberError> {
    optimistically(|| async move {
        let member = get(store, tenant, id).await?.ok_or(MemberError::NotFound)?;
        if member.status == MemberStatus::Removed {
            return Err(MemberError::NotFound);
        }
        if member.status == MemberStatus::Active && member.sub.as_deref() == Some(sub) {
            return Ok(Attempt::Done(member));
        }
        let update = Update::default()
            .set("status", "active")
            .set("sub", sub)
            .set("updated_at", now.to_rfc3339());
        let written = write(
            store,
            Write::Update {
                key: keys::member_key(tenant, id),
                update,
                check: Some(Check::new(
                    MEMBER_CHANGED,
                    Cond::Eq("version".into(), member.version.into()),
                )),
            },
            &[MEMBER_CHANGED],
        )
        .await?;
        Ok(written.map(|()| Member {
            status: MemberStatus::Active,
            sub: Some(sub.to_owned()),
            updated_at: now,
            ..member
        }))
    })
    .await
}
