//! `GET /openapi.json`: the OpenAPI 3.1 document of every route, made by `crate::api_doc`
//! (checked against the route table by tests, fuzzed by schemathesis in scripts/test).

use crm_shared::http::request::{json, respond};
use http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::api_doc::document;
use crate::context::Ctx;

pub async fn handle(_ctx: &Ctx, _request: Request) -> Response<Body> {
    respond(json(StatusCode::OK, &document()))
}
