//! Invites as one-time links (the directory of crm-local, which cannot send email): a random
//! token in the link's fragment (so it reaches no server log or `Referer`), stored only as its
//! SHA-256, good for seven days and for one use.

use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine;
use chrono::{DateTime, TimeDelta, Utc};
use sha2::{Digest, Sha256};

use crate::domain::member::{InvitePurpose, Member};
use crate::ports::directory::{Directory, DirectoryError, Invitation};
use crate::ports::store::Store;
use crate::store::accounts::{self, Invite};

/// How long an invite link works.
pub const INVITE_DAYS: i64 = 7;

pub struct InviteLinks {
    store: Arc<dyn Store>,
    /// Where the admin app is reached, e.g. `http://127.0.0.1:3000`.
    base_url: String,
}

impl InviteLinks {
    pub fn new(store: Arc<dyn Store>, base_url: &str) -> Self {
        Self {
            store,
            base_url: base_url.trim_end_matches('/').to_owned(),
        }
    }
}

/// A new random token (256 bits, base64url).
pub fn new_token() -> Result<String, DirectoryError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| DirectoryError::Unavailable(e.to_string()))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// What is stored of a token: its SHA-256, hex.
pub fn token_sha256(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[async_trait]
impl Directory for InviteLinks {
    async fn invite(
        &self,
        member: &Member,
        purpose: InvitePurpose,
        now: DateTime<Utc>,
    ) -> Result<Invitation, DirectoryError> {
        let token = new_token()?;
        let expires = now + TimeDelta::days(INVITE_DAYS);
        let invite = Invite {
            tenant_id: member.tenant_id.clone(),
            member_id: member.id.clone(),
            email: member.email.clone(),
            purpose,
            expires,
        };
        accounts::create_invite(self.store.as_ref(), &token_sha256(&token), &invite).await?;
        Ok(Invitation::Link {
            url: format!("{}/admin/invite#{token}", self.base_url),
            expires,
        })
    }
}
