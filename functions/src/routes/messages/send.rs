//! `POST /customers/{id}/messages`: staff text a customer, either their own words (`body`)
//! or one of the tenant's templates (`template`: a message kind). The text is queued (202):
//! it goes out when quiet hours allow, unless the number opted out.

use crm_shared::domain::message::{MessageKind, MAX_BODY_CHARS};
use crm_shared::domain::validation::Fields;
use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json, object_body, path_param, respond};
use crm_shared::store::{customers, messages};
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;

use crate::context::Ctx;
use crate::routes::schema::CustomerId;
use crate::usecases::messaging::{enqueue, Outgoing};

#[utoipa::path(
    post,
    path = "/customers/{id}/messages",
    operation_id = "send_customer_message",
    params(CustomerId),
    request_body = crate::routes::schema::MessageInput,
    responses(
        (status = 202, description = "Queued", body = crm_shared::domain::message::Message),
        (status = 404, description = "No such customer in your tenant"),
        (status = 409, description = "The customer's number opted out (STOP)"),
        (status = 413, description = "Body over 16 KB"),
        (status = 415, description = "Unsupported content type"),
        (status = 422, description = "Invalid fields, or the customer has no phone"),
        (status = 503, description = "The queue is unavailable; nothing was sent"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(send(ctx, &request).await)
}

async fn send(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let tenant = &claims.tenant_id;
    let id = path_param(request, "id")?;
    let (input, _) = object_body(request, false)?;
    let mut f = Fields::default();
    f.reject_unknown(&input, &["body", "template"]);
    let body = f.text(&input, "body", MAX_BODY_CHARS, true);
    let template = f.text(&input, "template", 40, false).and_then(|t| {
        let kind = MessageKind::parse(&t);
        if kind.is_none() {
            f.error(
                "template",
                "is not a message kind (follow_up, missed_call, review_request, manual, milestone)",
            );
        }
        kind
    });
    if body.is_none() && template.is_none() && f.errors.is_empty() {
        f.error("body", "give the text, or a template");
    }
    if body.is_some() && template.is_some() {
        f.error("template", "give either body or template, not both");
    }
    let (body, template) = f.finish((body, template)).map_err(ApiError::Validation)?;
    let store = ctx.store.as_ref();
    let customer = customers::get(store, tenant, &id)
        .await?
        .ok_or(ApiError::NotFound("customer"))?;
    let phone = customer
        .phones
        .first()
        .ok_or_else(|| ApiError::field("customer", "the customer has no phone number"))?;
    if messages::is_opted_out(store, tenant, phone).await? {
        return Err(ApiError::conflict(
            "the customer's number opted out of texts (STOP)",
            json!({"conflict": "opted_out"}),
        ));
    }
    let settings = ctx.tenant_settings(tenant).await?;
    let message = enqueue(
        ctx,
        &settings,
        Outgoing {
            id: ulid::Ulid::new().to_string(),
            kind: template.unwrap_or(MessageKind::Manual),
            to: phone.clone(),
            name: customer.name.clone(),
            customer_id: Some(customer.id.clone()),
            lead_id: None,
            missed_call_id: None,
            body,
            not_before: ctx.clock.now(),
            created_by: claims.sub.clone(),
        },
    )
    .await?;
    json(StatusCode::ACCEPTED, &message)
}
