//! `POST /members {email, role}`: invites a person. The membership is created at once (status
//! `invited`); how they get in is the directory's answer: a one-time link to hand over on one
//! machine, the identity provider's email in the cloud.

use crm_shared::domain::member::{may_manage, InvitePurpose, Member, Role};
use crm_shared::domain::validation::Fields;
use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json, object_body, respond};
use crm_shared::ports::directory::Invitation;
use crm_shared::store::members;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};

use crate::context::Ctx;
use crate::routes::members::fields;

/// `POST /members`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"email": "ciara@example.ie", "role": "staff"})))]
pub struct NewMember {
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    pub role: Role,
}

/// The member and how they get in.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Invited {
    pub member: Member,
    pub invitation: Invitation,
}

#[utoipa::path(
    post,
    path = "/members",
    operation_id = "invite_member",
    request_body = NewMember,
    responses(
        (status = 201, description = "Invited: the member and how they get in", body = Invited),
        (status = 403, description = "Admins invite staff only"),
        (status = 409, description = "The email is already a member"),
        (status = 422, description = "Invalid email or role"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(invite(ctx, &request).await)
}

async fn invite(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let (input, _) = object_body(request, false)?;
    let mut f = Fields::default();
    f.reject_unknown(&input, &["email", "role"]);
    let email = f.required_email(&input, "email");
    let role = fields::role(&mut f, &input);
    let (Some(email), Some(role)) = f.finish((email, role)).map_err(ApiError::Validation)? else {
        return Err(ApiError::field("email", "is required"));
    };
    may_manage(claims.role, None, Some(role)).map_err(members::MemberError::from)?;
    let now = ctx.clock.now();
    let member = Member::invited(
        ulid::Ulid::from_datetime(now.into()).to_string(),
        &claims.tenant_id,
        &email,
        role,
        &claims.sub,
        now,
    );
    members::add(ctx.store.as_ref(), &member).await?;
    let invitation = ctx
        .directory
        .invite(&member, InvitePurpose::Join, now)
        .await
        .map_err(|e| ApiError::Unavailable(e.to_string()))?;
    tracing::info!(tenant = %claims.tenant_id, member_id = %member.id, role = %role, actor = %claims.sub, "member invited");
    json(StatusCode::CREATED, &Invited { member, invitation })
}
