//! `GET /leads/board`: one column per status with its count, money and first page.

use crm_shared::domain::lead::Lead;
use crm_shared::domain::lead::LeadStatus;
use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json, page_limit, reject_unknown_params, respond};
use crm_shared::store::leads::{self, ListFilter};
use crm_shared::store::stats;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use utoipa::openapi::path::{Parameter, ParameterIn};
use utoipa::{IntoParams, ToSchema};

use crate::context::Ctx;
use crate::routes::schema::paging;

/// The board: a column per status, in status order.
#[derive(Serialize, ToSchema)]
pub struct Board {
    pub columns: Vec<BoardColumn>,
}

/// One status's column: how many leads and how much money, and the first page of them.
#[derive(Serialize, ToSchema)]
pub struct BoardColumn {
    pub status: LeadStatus,
    pub count: i64,
    /// Sum of the leads' expected value, minor units.
    pub expected_value: i64,
    pub leads: Vec<Lead>,
    #[schema(required)]
    pub next_cursor: Option<String>,
}

/// `limit`: leads per column.
pub struct BoardParams;

impl IntoParams for BoardParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let [mut limit, _] = paging(100, 20, "");
        limit.description = Some("Leads per column (default 20)".into());
        vec![limit]
    }
}

#[utoipa::path(
    get,
    path = "/leads/board",
    operation_id = "lead_board",
    params(BoardParams),
    responses(
        (status = 200, description = "The board", body = Board),
        (status = 422, description = "Invalid parameter"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(board(ctx, &request).await)
}

async fn board(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    reject_unknown_params(request, &["limit"])?;
    let limit = page_limit(request, 20, 100)?;
    let store = ctx.store.as_ref();
    let totals = stats::board_totals(store, &claims.tenant_id).await?;
    let mut columns = Vec::with_capacity(LeadStatus::ALL.len());
    for status in LeadStatus::ALL {
        let filter = ListFilter {
            status: Some(status),
            ..ListFilter::default()
        };
        let (items, next) = leads::list(store, &claims.tenant_id, &filter, limit, None).await?;
        let t = totals.get(&status).copied().unwrap_or_default();
        columns.push(BoardColumn {
            status,
            count: t.count,
            expected_value: t.value,
            leads: items,
            next_cursor: next.map(|c| c.encode()),
        });
    }
    json(StatusCode::OK, &Board { columns })
}
