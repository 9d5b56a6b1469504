//! `GET /members`: the business's members (invited and active; removed ones are gone).

use crm_shared::domain::member::{Member, MemberStatus};
use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json, reject_unknown_params, respond};
use crm_shared::store::members;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;

use crate::context::Ctx;

/// The members, by email.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MemberList {
    pub items: Vec<Member>,
}

#[utoipa::path(
    get,
    path = "/members",
    operation_id = "list_members",
    responses((status = 200, description = "Invited and active members, by email", body = MemberList))
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(list(ctx, &request).await)
}

async fn list(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    reject_unknown_params(request, &[])?;
    let mut items: Vec<Member> = members::list(ctx.store.as_ref(), &claims.tenant_id)
        .await?
        .into_iter()
        .filter(|m| m.status != MemberStatus::Removed)
        .collect();
    items.sort_by(|a, b| a.email.cmp(&b.email));
    json(StatusCode::OK, &MemberList { items })
}
