//! Members on SQLite and on DynamoDB (moto): one membership per email and tenant, the last
//! owner kept even when two owners step down at once, removal frees the email, invites work
//! once and sessions of another epoch are refused.

mod support;

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use crm_shared::domain::member::{InvitePurpose, Member, MemberRuleError, MemberStatus, Role};
use crm_shared::ports::store::Store;
use crm_shared::store::accounts::{self, AccountError, Invite};
use crm_shared::store::members::{self, MemberError};

on_both_stores!(
    "members":
    an_email_is_a_member_of_a_tenant_once_until_removed,
    two_owners_stepping_down_at_once_leave_one_owner,
    an_invite_works_once_and_makes_the_member_active,
);

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-07T10:00:00Z")
        .map(|t| t.to_utc())
        .unwrap_or_default()
}

fn active(tenant: &str, email: &str, role: Role) -> Member {
    let mut m = Member::invited(
        ulid::Ulid::new().to_string(),
        tenant,
        email,
        role,
        "setup",
        now(),
    );
    m.status = MemberStatus::Active;
    m.sub = Some(format!("sub-{email}"));
    m
}

async fn an_email_is_a_member_of_a_tenant_once_until_removed(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let owner = active("spa", "owner@spa.ie", Role::Owner);
    members::add(store, &owner).await.expect("owner");
    let staff = active("spa", "Staff@Spa.ie", Role::Staff);
    members::add(store, &staff).await.expect("staff");
    let twice = members::add(store, &active("spa", "staff@spa.ie", Role::Admin)).await;
    assert!(matches!(twice, Err(MemberError::Exists(e)) if e == "staff@spa.ie"));
    // Another tenant may have the same person.
    members::add(store, &active("gym", "staff@spa.ie", Role::Owner))
        .await
        .expect("another tenant");
    let of_person = members::of_person(store, "STAFF@spa.ie")
        .await
        .expect("memberships");
    let mut tenants: Vec<_> = of_person.iter().map(|m| m.tenant_id.as_str()).collect();
    tenants.sort_unstable();
    assert_eq!(tenants, ["gym", "spa"]);

    // An admin may not remove an owner; removal moves the version and frees the email.
    let refused = members::change(store, "spa", &owner.id, None, Role::Admin, now()).await;
    assert!(matches!(
        refused,
        Err(MemberError::Rule(MemberRuleError::RoleTooHigh { .. }))
    ));
    let removed = members::change(store, "spa", &staff.id, None, Role::Admin, now())
        .await
        .expect("removed");
    assert_eq!(removed.status, MemberStatus::Removed);
    assert_eq!(removed.version, staff.version + 1);
    assert!(!removed.admits(staff.version));
    let of_person = members::of_person(store, "staff@spa.ie")
        .await
        .expect("read");
    assert_eq!(of_person.len(), 1, "only the gym membership is left");
    members::add(store, &active("spa", "staff@spa.ie", Role::Staff))
        .await
        .expect("invited again after removal");
}

async fn two_owners_stepping_down_at_once_leave_one_owner(store: Arc<dyn Store>) {
    let a = active("duo", "a@duo.ie", Role::Owner);
    let b = active("duo", "b@duo.ie", Role::Owner);
    members::add(store.as_ref(), &a).await.expect("a");
    members::add(store.as_ref(), &b).await.expect("b");
    let (first, second) = tokio::join!(
        members::change(
            store.as_ref(),
            "duo",
            &a.id,
            Some(Role::Admin),
            Role::Owner,
            now()
        ),
        members::change(store.as_ref(), "duo", &b.id, None, Role::Owner, now()),
    );
    let refused = [&first, &second]
        .iter()
        .filter(|r| matches!(r, Err(MemberError::Rule(MemberRuleError::LastOwner))))
        .count();
    assert_eq!(refused, 1, "exactly one is refused: {first:?} / {second:?}");
    let owners = members::list(store.as_ref(), "duo")
        .await
        .expect("list")
        .into_iter()
        .filter(|m| m.role == Role::Owner && m.status == MemberStatus::Active)
        .count();
    assert_eq!(owners, 1);
}

async fn an_invite_works_once_and_makes_the_member_active(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let member = Member::invited(
        ulid::Ulid::new().to_string(),
        "spa",
        "new@spa.ie",
        Role::Staff,
        "owner",
        now(),
    );
    members::add(store, &member).await.expect("member");
    let invite = Invite {
        tenant_id: "spa".into(),
        member_id: member.id.clone(),
        email: member.email.clone(),
        purpose: InvitePurpose::Join,
        expires: now() + TimeDelta::days(7),
    };
    accounts::create_invite(store, "hash-1", &invite)
        .await
        .expect("invite");
    let (account, joined) = accounts::accept_invite(store, "hash-1", "$argon2id$fake", now())
        .await
        .expect("accepted");
    assert_eq!(joined.status, MemberStatus::Active);
    assert_eq!(joined.sub.as_deref(), Some(account.sub.as_str()));
    assert_eq!(account.epoch, 1);
    let stored = members::get(store, "spa", &member.id)
        .await
        .expect("read")
        .expect("member");
    assert_eq!(stored.status, MemberStatus::Active);
    let again = accounts::accept_invite(store, "hash-1", "$argon2id$other", now()).await;
    assert!(matches!(again, Err(AccountError::InviteGone)));
    // Expired: gone as well, and nothing changes.
    accounts::create_invite(
        store,
        "hash-2",
        &Invite {
            purpose: InvitePurpose::Reset,
            expires: now(),
            ..invite
        },
    )
    .await
    .expect("invite");
    let late = accounts::accept_invite(store, "hash-2", "$argon2id$late", now()).await;
    assert!(matches!(late, Err(AccountError::InviteGone)));
    let kept = accounts::account(store, "new@spa.ie")
        .await
        .expect("read")
        .expect("account");
    assert_eq!(kept.password_hash, "$argon2id$fake");
}
