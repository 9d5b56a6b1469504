//! `PATCH /members/{id} {role}`: changes a member's role. Their tokens issued before are
//! refused from then on (the membership's version moved): they sign in again with the new role.

use crm_shared::domain::member::Role;
use crm_shared::domain::validation::Fields;
use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json, object_body, path_param, respond};
use crm_shared::store::members;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;

use crate::context::Ctx;
use crate::routes::members::fields;
use crate::routes::schema::MemberId;

/// `PATCH /members/{id}`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"role": "admin"})))]
pub struct MemberPatch {
    pub role: Role,
}

#[utoipa::path(
    patch,
    path = "/members/{id}",
    operation_id = "update_member",
    params(MemberId),
    request_body = MemberPatch,
    responses(
        (status = 200, description = "The member, with the new role", body = crm_shared::domain::member::Member),
        (status = 403, description = "Admins manage staff only"),
        (status = 404, description = "No such member in your business"),
        (status = 409, description = "The business would have no owner left"),
        (status = 422, description = "Invalid role"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(update(ctx, &request).await)
}

async fn update(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let id = path_param(request, "id")?;
    let (input, _) = object_body(request, false)?;
    let mut f = Fields::default();
    f.reject_unknown(&input, &["role"]);
    let role = fields::role(&mut f, &input);
    let Some(role) = f.finish(role).map_err(ApiError::Validation)? else {
        return Err(ApiError::field("role", "is required"));
    };
    let member = members::change(
        ctx.store.as_ref(),
        &claims.tenant_id,
        &id,
        Some(role),
        claims.role,
        ctx.clock.now(),
    )
    .await?;
    tracing::info!(tenant = %claims.tenant_id, member_id = %id, role = %role, actor = %claims.sub, "member role changed");
    json(StatusCode::OK, &member)
}
