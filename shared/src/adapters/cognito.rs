//! `CognitoDirectory`: the directory port on a Cognito user pool whose usernames are email
//! addresses (DESIGN §7.1). An invite creates the person's user with their email verified and
//! Cognito emails them a temporary password; whoever already has an account just signs in (the
//! membership is waiting: the pre token trigger finds it by their verified email). A reset asks
//! Cognito to email a code for a new password.

use async_trait::async_trait;
use aws_sdk_cognitoidentityprovider::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, DeliveryMediumType, MessageActionType, UserStatusType,
};
use aws_sdk_cognitoidentityprovider::Client;
use chrono::{DateTime, Utc};

use crate::domain::member::{InvitePurpose, Member};
use crate::ports::directory::{Directory, DirectoryError, Invitation};

#[derive(Debug, Clone)]
pub struct CognitoDirectory {
    client: Client,
    user_pool_id: String,
}

fn unavailable<E: std::error::Error>(e: E) -> DirectoryError {
    DirectoryError::Unavailable(DisplayErrorContext(&e).to_string())
}

impl CognitoDirectory {
    pub fn new(client: Client, user_pool_id: impl Into<String>) -> Self {
        Self {
            client,
            user_pool_id: user_pool_id.into(),
        }
    }

    /// The status of the user whose username (email) is `email`; none when there is none.
    async fn status(&self, email: &str) -> Result<Option<UserStatusType>, DirectoryError> {
        match self
            .client
            .admin_get_user()
            .user_pool_id(&self.user_pool_id)
            .username(email)
            .send()
            .await
        {
            Ok(user) => Ok(Some(
                user.user_status.unwrap_or(UserStatusType::UnknownValue),
            )),
            Err(e) if e.code() == Some("UserNotFoundException") => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    /// Creates the user (or, `resend`, sends their invitation again): Cognito emails a
    /// temporary password. `None` when the user exists already (created meanwhile).
    async fn create(&self, email: &str, resend: bool) -> Result<Option<()>, DirectoryError> {
        let attribute = |name: &str, value: &str| {
            AttributeType::builder()
                .name(name)
                .value(value)
                .build()
                .map_err(unavailable)
        };
        let mut request = self
            .client
            .admin_create_user()
            .user_pool_id(&self.user_pool_id)
            .username(email)
            .desired_delivery_mediums(DeliveryMediumType::Email);
        if resend {
            request = request.message_action(MessageActionType::Resend);
        } else {
            request = request
                .user_attributes(attribute("email", email)?)
                .user_attributes(attribute("email_verified", "true")?);
        }
        match request.send().await {
            Ok(_) => Ok(Some(())),
            Err(e) if e.code() == Some("UsernameExistsException") => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    /// Asks Cognito to email the user a code for a new password.
    async fn reset(&self, email: &str) -> Result<(), DirectoryError> {
        self.client
            .admin_reset_user_password()
            .user_pool_id(&self.user_pool_id)
            .username(email)
            .send()
            .await
            .map(|_| ())
            .map_err(unavailable)
    }
}

#[async_trait]
impl Directory for CognitoDirectory {
    async fn invite(
        &self,
        member: &Member,
        purpose: InvitePurpose,
        _now: DateTime<Utc>,
    ) -> Result<Invitation, DirectoryError> {
        let email = member.email.as_str();
        match (self.status(email).await?, purpose) {
            // New to the pool: their user, and the email with a temporary password.
            (None, _) => Ok(match self.create(email, false).await? {
                Some(()) => Invitation::Emailed,
                None => Invitation::SignUp,
            }),
            // Invited before and never signed in: the same email again.
            (Some(UserStatusType::ForceChangePassword), _) => {
                self.create(email, true).await?;
                Ok(Invitation::Emailed)
            }
            // A confirmed account (another business's member, or signed up themselves): a
            // new password on request, else they sign in as they are.
            (
                Some(UserStatusType::Confirmed | UserStatusType::ResetRequired),
                InvitePurpose::Reset,
            ) => {
                self.reset(email).await?;
                Ok(Invitation::Emailed)
            }
            // Signed up and not confirmed yet, or confirmed and joining: their own sign-in
            // (or the end of their sign-up) finds the membership waiting.
            (Some(_), _) => Ok(Invitation::SignUp),
        }
    }
}
