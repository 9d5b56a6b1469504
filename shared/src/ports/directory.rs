//! The directory port: how a person the business invites (or who lost their password) gets
//! in. On one machine nothing can send email, so the answer is a one-time link to hand over;
//! in the cloud the identity provider lets them in.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::member::{InvitePurpose, Member};
use crate::ports::store::StoreError;

/// How the member gets in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "delivery", rename_all = "snake_case")]
pub enum Invitation {
    /// A one-time link to hand to the person yourself (nothing emails it).
    Link { url: String, expires: DateTime<Utc> },
    /// The identity provider emailed them how to sign in.
    Emailed,
    /// They sign up with this email themselves; their membership is waiting.
    SignUp,
}

#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error("the identity provider is unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[async_trait]
pub trait Directory: Send + Sync {
    /// Lets `member` in for `purpose` (to join, or to choose a new password).
    async fn invite(
        &self,
        member: &Member,
        purpose: InvitePurpose,
        now: DateTime<Utc>,
    ) -> Result<Invitation, DirectoryError>;
}

/// A directory of people who sign up themselves (an identity provider with self sign-up):
/// the membership is all an invite needs.
#[derive(Debug, Default, Clone, Copy)]
pub struct SelfSignUp;

#[async_trait]
impl Directory for SelfSignUp {
    async fn invite(
        &self,
        _member: &Member,
        _purpose: InvitePurpose,
        _now: DateTime<Utc>,
    ) -> Result<Invitation, DirectoryError> {
        Ok(Invitation::SignUp)
    }
}
