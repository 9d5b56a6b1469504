//! `POST /members/{id}/invitation`: a new way in for a member: the invite again for one who
//! has not joined yet, a password reset for one who has (on one machine, a new one-time link
//! that sets a new password and signs them out everywhere).

use crm_shared::domain::member::{may_manage, InvitePurpose, MemberStatus};
use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json, path_param, respond};
use crm_shared::ports::directory::Invitation;
use crm_shared::store::members;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::context::Ctx;
use crate::routes::schema::MemberId;

#[utoipa::path(
    post,
    path = "/members/{id}/invitation",
    operation_id = "reinvite_member",
    params(MemberId),
    responses(
        (status = 200, description = "How the member gets in now", body = Invitation),
        (status = 403, description = "Admins manage staff only"),
        (status = 404, description = "No such member in your business"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(reinvite(ctx, &request).await)
}

async fn reinvite(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let id = path_param(request, "id")?;
    let member = members::get(ctx.store.as_ref(), &claims.tenant_id, &id)
        .await?
        .filter(|m| m.status != MemberStatus::Removed)
        .ok_or(ApiError::NotFound("member"))?;
    may_manage(claims.role, Some(member.role), Some(member.role))
        .map_err(members::MemberError::from)?;
    let purpose = match member.status {
        MemberStatus::Active => InvitePurpose::Reset,
        _ => InvitePurpose::Join,
    };
    let invitation = ctx
        .directory
        .invite(&member, purpose, ctx.clock.now())
        .await
        .map_err(|e| ApiError::Unavailable(e.to_string()))?;
    tracing::info!(tenant = %claims.tenant_id, member_id = %id, actor = %claims.sub, "member invited again");
    json(StatusCode::OK, &invitation)
}
