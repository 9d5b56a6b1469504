//! `POST /leads`: staff enter a lead by hand (walk-in, phone call).

use crm_shared::domain::lead::Lead;
use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json_versioned, object_body, respond};
use crm_shared::store::leads::{Inserted, LeadWriteError};
use http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::context::Ctx;
use crate::routes::leads::fields::read_new;
use crate::usecases::capture::record_new_lead;

#[utoipa::path(
    post,
    path = "/leads",
    operation_id = "create_lead",
    request_body = crate::routes::schema::NewLead,
    responses(
        (status = 201, description = "Lead created", body = crm_shared::domain::lead::Lead),
        (status = 409, description = "The phone belongs to a lead captured within the dedupe window"),
        (status = 413, description = "Body over 16 KB"),
        (status = 415, description = "Unsupported content type"),
        (status = 422, description = "Invalid fields, each named"),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(create(ctx, &request).await)
}

async fn create(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let (input, _) = object_body(request, false)?;
    let settings = ctx.tenant_settings(&claims.tenant_id).await?;
    let new = read_new(&input, &settings.default_region).map_err(ApiError::Validation)?;
    let now = ctx.clock.now();
    let id = ulid::Ulid::from_datetime(now.into()).to_string();
    let lead = Lead::create(&claims.tenant_id, &id, new, now);
    match record_new_lead(ctx, &settings, &lead, now).await? {
        Inserted::Created => {
            tracing::info!(tenant = %claims.tenant_id, lead_id = %id, actor = %claims.sub, "lead created");
            json_versioned(StatusCode::CREATED, &lead, lead.version)
        }
        Inserted::Duplicate { existing_id } => {
            Err(LeadWriteError::DuplicatePhone { existing_id }.into())
        }
    }
}
