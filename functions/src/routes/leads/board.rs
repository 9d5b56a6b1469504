//! `GET /leads/board`: one column per status with its count, money and first page.

use crm_shared::domain::lead::LeadStatus;
use crm_shared::http::auth::{authorize, Role};
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json, page_limit, reject_unknown_params, respond};
use crm_shared::store::leads::{self, ListFilter};
use crm_shared::store::stats;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;

use crate::context::Ctx;

pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(board(ctx, &request).await)
}

async fn board(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = authorize(request, Role::Staff)?;
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
        columns.push(json!({
            "status": status,
            "count": t.count,
            "expected_value": t.value,
            "leads": items,
            "next_cursor": next.map(|c| c.encode()),
        }));
    }
    json(StatusCode::OK, &json!({ "columns": columns }))
}
