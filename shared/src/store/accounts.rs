//! crm-local's own sign-in (the cloud signs in with Cognito instead): a person's account
//! (their password's hash) under `PERSON#<email>`, sessions behind the refresh cookie, and
//! invite links. Secrets are never stored: sessions and invites are found by the SHA-256 of
//! theirs, so a copy of the table lets nobody in.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::member::{InvitePurpose, Member, MemberStatus};
use crate::ports::store::{
    from_item, to_item, Check, Cond, Store, StoreError, Update, Write, EXPIRES_AT, PK, SK,
};
use crate::store::keys;
use crate::store::members;
use crate::store::retry::{commit, optimistically};

/// A person's local account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    /// Lowercased.
    pub email: String,
    /// The person's id (a ULID): the `sub` of their tokens, the actor of what they do.
    pub sub: String,
    /// PHC string (Argon2id).
    pub password_hash: String,
    /// Moves when the password changes or the person signs out everywhere: sessions opened
    /// at another epoch are refused.
    pub epoch: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A signed-in browser: what its refresh cookie stands for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub id: String,
    /// SHA-256 (hex) of the cookie's secret.
    pub secret_sha256: String,
    pub email: String,
    pub tenant_id: String,
    pub member_id: String,
    /// The account's epoch when it opened.
    pub epoch: u64,
    pub created_at: DateTime<Utc>,
    pub expires: DateTime<Utc>,
}

/// An invite link, stored under the SHA-256 of its token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invite {
    pub tenant_id: String,
    pub member_id: String,
    pub email: String,
    pub purpose: InvitePurpose,
    pub expires: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The invite was used, has expired, or its member was removed.
    #[error("the invite link was used or has expired")]
    InviteGone,
    #[error(transparent)]
    Store(#[from] StoreError),
}

const ACCOUNT_CHANGED: &str = "account_changed";
const INVITE_USED: &str = "invite_used";
const MEMBER_CHANGED: &str = "member_changed";

fn keyed<T: Serialize>(
    value: &T,
    key: crate::ports::store::Key,
    expires: Option<DateTime<Utc>>,
) -> Result<crate::ports::store::Item, StoreError> {
    let mut item = to_item(value)?;
    item.insert(PK.into(), key.pk.into());
    item.insert(SK.into(), key.sk.into());
    if let Some(at) = expires {
        item.insert(EXPIRES_AT.into(), at.timestamp().into());
    }
    Ok(item)
}

pub async fn account(store: &dyn Store, email: &str) -> Result<Option<Account>, StoreError> {
    store
        .get(&keys::account_key(email))
        .await?
        .map(|item| from_item(&item))
        .transpose()
}

/// Check name of a first-run setup that another one beat.
pub const SETUP_DONE: &str = "setup_done";

/// The write marking crm-local's first-run setup done (new: a second setup fails on it).
pub fn setup_done_write(at: DateTime<Utc>) -> Write {
    let mut item = keys::setup_done().item();
    item.insert("at".into(), at.to_rfc3339().into());
    Write::put(item).with_check(Check::new(SETUP_DONE, Cond::NotExists))
}

/// Whether this store is set up: its first-run setup was done, or some business has a member
/// already (made by the operator CLI, or before setups were recorded). crm-local offers its
/// setup until then.
pub async fn any_member(store: &dyn Store) -> Result<bool, StoreError> {
    if store.get(&keys::setup_done()).await?.is_some() {
        return Ok(true);
    }
    for tenant in crate::store::tenants::all_ids(store).await? {
        if !members::list(store, &tenant).await?.is_empty() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The account of `email` with `password_hash`, and the write creating or replacing it of `email` with `password_hash`, given the
/// account read before (`None`: there was none): a new password moves the epoch, which
/// signs the person out everywhere.
pub fn password_writes(
    email: &str,
    before: Option<&Account>,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<(Account, Write), StoreError> {
    let account = match before {
        Some(a) => Account {
            password_hash: password_hash.to_owned(),
            epoch: a.epoch + 1,
            updated_at: now,
            ..a.clone()
        },
        None => Account {
            email: email.to_owned(),
            sub: ulid::Ulid::from_datetime(now.into()).to_string(),
            password_hash: password_hash.to_owned(),
            epoch: 1,
            created_at: now,
            updated_at: now,
        },
    };
    let unchanged = match before {
        Some(a) => Cond::Eq("epoch".into(), a.epoch.into()),
        None => Cond::NotExists,
    };
    let write = Write::put(keyed(&account, keys::account_key(email), None)?)
        .with_check(Check::new(ACCOUNT_CHANGED, unchanged));
    Ok((account, write))
}

/// Stores an invite under `token_sha256` (the link's token is the caller's, and only theirs).
pub async fn create_invite(
    store: &dyn Store,
    token_sha256: &str,
    invite: &Invite,
) -> Result<(), StoreError> {
    let item = keyed(invite, keys::invite_key(token_sha256), Some(invite.expires))?;
    store
        .write(Write::put(item).with_check(Check::new("invite_exists", Cond::NotExists)))
        .await
}

/// The invite under `token_sha256`, if it is still good at `now` (not used, not expired).
pub async fn invite(
    store: &dyn Store,
    token_sha256: &str,
    now: DateTime<Utc>,
) -> Result<Option<Invite>, StoreError> {
    let Some(item) = store.get(&keys::invite_key(token_sha256)).await? else {
        return Ok(None);
    };
    let invite: Invite = from_item(&item)?;
    Ok((invite.expires > now).then_some(invite))
}

/// Uses the invite under `token_sha256`: in one transaction, the invite goes (so it works
/// once), the person's account gets `password_hash` (created if new; a new password signs
/// them out everywhere), and their membership becomes active as the account's `sub`.
pub async fn accept_invite(
    store: &dyn Store,
    token_sha256: &str,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<(Account, Member), AccountError> {
    optimistically(|| async move {
        let invite = invite(store, token_sha256, now)
            .await?
            .ok_or(AccountError::InviteGone)?;
        let member = members::get(store, &invite.tenant_id, &invite.member_id)
            .await?
            .filter(|m| m.status != MemberStatus::Removed && m.email == invite.email)
            .ok_or(AccountError::InviteGone)?;
        let before = account(store, &invite.email).await?;
        let (account, account_write) =
            password_writes(&invite.email, before.as_ref(), password_hash, now)?;
        let member = Member {
            status: MemberStatus::Active,
            sub: Some(account.sub.clone()),
            updated_at: now,
            ..member
        };
        let writes = vec![
            Write::Delete {
                key: keys::invite_key(token_sha256),
                check: Some(Check::new(INVITE_USED, Cond::Exists)),
            },
            account_write,
            Write::Update {
                key: keys::member_key(&member.tenant_id, &member.id),
                update: Update::default()
                    .set("status", "active")
                    .set("sub", account.sub.clone())
                    .set("updated_at", now.to_rfc3339()),
                check: Some(Check::new(
                    MEMBER_CHANGED,
                    Cond::Eq("version".into(), member.version.into()),
                )),
            },
        ];
        match commit(store, writes, &[ACCOUNT_CHANGED, MEMBER_CHANGED]).await {
            Ok(attempt) => Ok(attempt.map(|()| (account, member))),
            Err(StoreError::ConditionFailed(INVITE_USED)) => Err(AccountError::InviteGone),
            Err(e) => Err(e.into()),
        }
    })
    .await
}

/// Signs the person out of every session they have (their account's epoch moves).
pub async fn sign_out_everywhere(store: &dyn Store, email: &str) -> Result<(), StoreError> {
    store
        .write(Write::Update {
            key: keys::account_key(email),
            update: Update::default().add("epoch", 1),
            check: Some(Check::new("account_exists", Cond::Exists)),
        })
        .await
}

pub async fn open_session(store: &dyn Store, session: &Session) -> Result<(), StoreError> {
    let item = keyed(
        session,
        keys::session_key(&session.id),
        Some(session.expires),
    )?;
    store
        .write(Write::put(item).with_check(Check::new("session_exists", Cond::NotExists)))
        .await
}

/// The session `id`, if it has not expired at `now`.
pub async fn session(
    store: &dyn Store,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<Session>, StoreError> {
    let Some(item) = store.get(&keys::session_key(id)).await? else {
        return Ok(None);
    };
    let session: Session = from_item(&item)?;
    Ok((session.expires > now).then_some(session))
}

pub async fn close_session(store: &dyn Store, id: &str) -> Result<(), StoreError> {
    store
        .write(Write::Delete {
            key: keys::session_key(id),
            check: None,
        })
        .await
}
