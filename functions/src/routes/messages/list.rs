//! `GET /messages`: the tenant's texts, newest first, with their statuses; `?status=` keeps
//! one status (`queued`, `sent`, `delivered`, `failed`, `skipped`).

use crm_shared::domain::message::Message;
use crm_shared::domain::message::MessageStatus;
use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{
    cursor_param, json, page_limit, query_param, reject_unknown_params, respond,
};
use crm_shared::store::keys::messages_pk;
use crm_shared::store::messages::{self, MESSAGES_INDEX};
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use utoipa::openapi::path::{Parameter, ParameterIn};
use utoipa::{IntoParams, ToSchema};

use crate::context::Ctx;
use crate::routes::schema::{paging, query, schema_ref};

pub const PARAMS: &[&str] = &["status", "limit", "cursor"];

/// Texts, newest first.
#[derive(Serialize, ToSchema)]
pub struct MessagePage {
    pub items: Vec<Message>,
    #[schema(required)]
    pub next_cursor: Option<String>,
}

/// [`PARAMS`], described.
pub struct ListParams;

impl IntoParams for ListParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let mut params = vec![query(
            "status",
            schema_ref::<MessageStatus>(),
            "Only this status",
        )];
        params.extend(paging(100, 25, "next_cursor"));
        params
    }
}

#[utoipa::path(
    get,
    path = "/messages",
    operation_id = "list_messages",
    params(ListParams),
    responses(
        (status = 200, description = "Texts, newest first", body = MessagePage),
        (status = 422, description = "Bad filter, named"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(list(ctx, &request).await)
}

async fn list(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    reject_unknown_params(request, PARAMS)?;
    let status = match query_param(request, "status") {
        Some(s) => Some(MessageStatus::parse(&s).ok_or_else(|| {
            ApiError::field(
                "status",
                "must be one of queued, sent, delivered, failed, skipped",
            )
        })?),
        None => None,
    };
    let limit = page_limit(request, 25, 100)?;
    let cursor = cursor_param(request, &messages_pk(&claims.tenant_id), MESSAGES_INDEX)?;
    let (items, next) =
        messages::list(ctx.store.as_ref(), &claims.tenant_id, status, limit, cursor).await?;
    json(
        StatusCode::OK,
        &MessagePage {
            items,
            next_cursor: next.map(|c| c.encode()),
        },
    )
}
