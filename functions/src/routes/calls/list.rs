//! `GET /missed-calls`: the recovery queue, newest first; open ones by default
//! (`?status=handled|all`), a page read from the sparse open index.

use crm_shared::http::auth::{authorize, Role};
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{
    cursor_param, json, page_limit, query_param, reject_unknown_params, respond,
};
use crm_shared::store::calls::{self, MissedCallFilter};
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;

use crate::context::Ctx;

pub const PARAMS: &[&str] = &["status", "limit", "cursor"];

pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(list(ctx, &request).await)
}

async fn list(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = authorize(request, Role::Staff)?;
    reject_unknown_params(request, PARAMS)?;
    let filter = match query_param(request, "status") {
        None => MissedCallFilter::Open,
        Some(s) => MissedCallFilter::parse(&s)
            .ok_or_else(|| ApiError::field("status", "must be open, handled or all"))?,
    };
    let limit = page_limit(request, 25, 100)?;
    let (index, pk) = filter.partition(&claims.tenant_id);
    let cursor = cursor_param(request, &pk, index)?;
    let (missed, next) =
        calls::list(ctx.store.as_ref(), &claims.tenant_id, filter, limit, cursor).await?;
    json(
        StatusCode::OK,
        &json!({"missed_calls": missed, "next_cursor": next.map(|c| c.encode())}),
    )
}
