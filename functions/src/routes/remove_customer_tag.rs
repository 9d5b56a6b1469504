//! `DELETE /customers/{id}/tags/{tag}`: removes a manual tag (automatic tags are the classifier's).

use lambda_http::{Body, Request, Response};

use crate::context::Ctx;
use crate::routes::add_customer_tag::set;

pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    crm_shared::http::request::respond(set(ctx, &request, false).await)
}
