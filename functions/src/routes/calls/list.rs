//! `GET /missed-calls`: the recovery queue, newest first; open ones by default
//! (`?status=handled|all`), a page read from the sparse open index.

use crm_shared::domain::call::MissedCall;
use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{
    cursor_param, json, page_limit, query_param, reject_unknown_params, respond,
};
use crm_shared::store::calls::{self, MissedCallFilter};
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use utoipa::openapi::path::{Parameter, ParameterIn};
use utoipa::{IntoParams, ToSchema};

use crate::context::Ctx;
use crate::routes::schema::{one_of, paging, query};

pub const PARAMS: &[&str] = &["status", "limit", "cursor"];

/// A page of missed calls, newest first.
#[derive(Serialize, ToSchema)]
pub struct MissedCallPage {
    pub missed_calls: Vec<MissedCall>,
    #[schema(required)]
    pub next_cursor: Option<String>,
}

/// [`PARAMS`], described.
pub struct ListParams;

impl IntoParams for ListParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let mut params = vec![query(
            "status",
            one_of(&["open", "handled", "all"]),
            "Which missed calls (default open)",
        )];
        params.extend(paging(100, 25, "next_cursor"));
        params
    }
}

#[utoipa::path(
    get,
    path = "/missed-calls",
    operation_id = "list_missed_calls",
    params(ListParams),
    responses(
        (status = 200, description = "A page of missed calls, newest first", body = MissedCallPage),
        (status = 422, description = "Invalid parameter, each named"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(list(ctx, &request).await)
}

async fn list(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
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
        &MissedCallPage {
            missed_calls: missed,
            next_cursor: next.map(|c| c.encode()),
        },
    )
}
