//! `GET /tasks`: follow-up tasks. Open ones by default, soonest due first, read a page from
//! the sparse open index (`?assignee=me`: the caller's own index); `?due=true` only those due
//! by now; `?status=done|all` newest first.

use crm_shared::domain::task::Task;
use crm_shared::domain::task::TaskStatus;
use crm_shared::domain::validation::Fields;
use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{
    cursor_param, json, page_limit, query_param, reject_unknown_params, respond,
};
use crm_shared::store::tasks::{self, TaskFilter};
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use utoipa::openapi::path::{Parameter, ParameterIn};
use utoipa::{IntoParams, ToSchema};

use crate::context::Ctx;
use crate::routes::schema::{one_of, paging, query};

pub const PARAMS: &[&str] = &["assignee", "due", "status", "limit", "cursor"];

/// A page of tasks.
#[derive(Serialize, ToSchema)]
pub struct TaskPage {
    pub tasks: Vec<Task>,
    #[schema(required)]
    pub next_cursor: Option<String>,
}

/// [`PARAMS`], described.
pub struct ListParams;

impl IntoParams for ListParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let mut params = vec![
            query(
                "assignee",
                one_of(&["me", "all"]),
                "Only your tasks (default all)",
            ),
            query("due", one_of(&["true", "false"]), "Only tasks due by now"),
            query(
                "status",
                one_of(&["open", "done", "all"]),
                "Which tasks (default open: soonest due first; otherwise newest first)",
            ),
        ];
        params.extend(paging(100, 25, "next_cursor"));
        params
    }
}

#[utoipa::path(
    get,
    path = "/tasks",
    operation_id = "list_tasks",
    params(ListParams),
    responses(
        (status = 200, description = "A page of tasks", body = TaskPage),
        (status = 422, description = "Invalid parameter, each named"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(list(ctx, &request).await)
}

async fn list(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    reject_unknown_params(request, PARAMS)?;
    let mut f = Fields::default();
    let status = match query_param(request, "status").as_deref() {
        None | Some("open") => Some(TaskStatus::Open),
        Some("done") => Some(TaskStatus::Done),
        Some("all") => None,
        Some(_) => {
            f.error("status", "must be open, done or all");
            None
        }
    };
    let assignee = match query_param(request, "assignee").as_deref() {
        None | Some("all") => None,
        Some("me") => Some(claims.sub.clone()),
        Some(_) => {
            f.error("assignee", "must be me or all");
            None
        }
    };
    let due = match query_param(request, "due").as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            f.error("due", "must be true or false");
            false
        }
    };
    let limit = page_limit(request, 25, 100);
    f.finish(()).map_err(ApiError::Validation)?;
    let limit = limit?;
    let filter = TaskFilter {
        status,
        assignee,
        due_by: due.then(|| ctx.clock.now()),
    };
    let (index, pk) = filter.partition(&claims.tenant_id);
    let cursor = cursor_param(request, &pk, index)?;
    let (found, next) = tasks::list(
        ctx.store.as_ref(),
        &claims.tenant_id,
        &filter,
        limit,
        cursor,
    )
    .await?;
    json(
        StatusCode::OK,
        &TaskPage {
            tasks: found,
            next_cursor: next.map(|c| c.encode()),
        },
    )
}
