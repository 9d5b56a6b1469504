//! `POST /tenants {business_name, country, time_zone, currency}`: a person signed up at the
//! identity provider (Cognito) founds their business and becomes its first owner, active at
//! once as their `sub`. The tenant id is made from the business name (reserved words 422, an
//! id already taken 409, as `usecases::onboarding` says). Their token names no tenant yet: the
//! next one (a refresh) does, since the pre token trigger finds the new membership.

use crm_shared::domain::member::Member;
use crm_shared::domain::tenant::{NewBusiness, NEW_BUSINESS_FIELDS};
use crm_shared::domain::validation::Fields;
use crm_shared::http::auth::person;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{json, object_body, respond, source_ip};
use crm_shared::store::limits::{self, Admission};
use crm_shared::store::members;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::context::Ctx;
use crate::usecases::onboarding::{found_business, Owner};

/// `POST /tenants`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"business_name": "Glow Day Spa", "country": "IE",
    "time_zone": "Europe/Dublin", "currency": "EUR"})))]
pub struct NewTenant {
    #[schema(max_length = 100)]
    pub business_name: String,
    /// ISO 3166 alpha-2: how customers' national phone numbers read.
    #[schema(pattern = "^[A-Za-z]{2}$")]
    pub country: String,
    /// IANA time zone name.
    #[schema(max_length = 64)]
    pub time_zone: String,
    /// ISO 4217.
    #[schema(pattern = "^[A-Za-z]{3}$")]
    pub currency: String,
}

/// The new business and its first owner (the caller).
#[derive(Serialize, utoipa::ToSchema)]
pub struct Founded {
    pub tenant_id: String,
    pub business_name: String,
    /// ISO 3166 alpha-2.
    pub default_region: String,
    pub time_zone: String,
    /// ISO 4217: money amounts are in its minor units.
    pub currency: String,
    /// The landing page's path.
    pub landing_path: String,
    pub member: Member,
}

#[utoipa::path(
    post,
    path = "/tenants",
    operation_id = "create_tenant",
    request_body = NewTenant,
    responses(
        (status = 201, description = "Founded: the business and its owner, the caller; sign in again (refresh the token) for a token naming it", body = Founded),
        (status = 401, description = "No token, or one without a verified email"),
        (status = 409, description = "A business already has the address this name makes, or the caller owns as many businesses as one person may (`conflict: business_limit`)"),
        (status = 422, description = "Invalid or reserved business name, country, time zone or currency"),
        (status = 429, description = "Too many sign-ups from this address this hour; try again after `Retry-After` seconds", headers(("Retry-After" = u64))),
    )
)]
pub async fn handle(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(create(ctx, &request).await)
}

/// Businesses one person may own: a salon chain's owner has a few; a script founding
/// hundreds from one account is refused (the operator CLI is not bound by it).
pub const MAX_OWNED_BUSINESSES: usize = 5;

/// Abuse guards of sign-up (issue 17): a person owns at most [`MAX_OWNED_BUSINESSES`], and one
/// address founds at most `SIGNUPS_PER_CLIENT_PER_HOUR` an hour.
async fn guard(
    ctx: &Ctx,
    request: &Request,
    email: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), ApiError> {
    let store = ctx.store.as_ref();
    let owned = members::owned_by(store, email).await?;
    if owned >= MAX_OWNED_BUSINESSES {
        return Err(ApiError::conflict(
            format!(
                "you own {owned} businesses, as many as one person may; ask the operator for more"
            ),
            json!({"conflict": "business_limit", "limit": MAX_OWNED_BUSINESSES}),
        ));
    }
    if let Some(client) = source_ip(request) {
        if let Admission::Limited { retry_after } =
            limits::admit_signup(store, &client, now).await?
        {
            tracing::warn!(retry_after, "sign-ups over the rate limit");
            return Err(ApiError::TooManyRequests { retry_after });
        }
    }
    Ok(())
}

async fn create(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let person = person(request)?;
    let (input, _) = object_body(request, false)?;
    let mut f = Fields::default();
    f.reject_unknown(&input, NEW_BUSINESS_FIELDS);
    let business = NewBusiness::read(&mut f, &input);
    let business = f
        .finish(business)
        .map_err(ApiError::Validation)?
        .ok_or_else(|| ApiError::field("business_name", "is required"))?;
    let now = ctx.clock.now();
    guard(ctx, request, &person.email, now).await?;
    let (settings, member) = found_business(
        ctx.store.as_ref(),
        &business,
        Owner {
            email: &person.email,
            sub: Some(&person.sub),
            invited_by: &person.sub,
        },
        Vec::new(),
        now,
    )
    .await?;
    json(
        StatusCode::CREATED,
        &Founded {
            landing_path: format!("/p/{}/book", settings.tenant_id),
            tenant_id: settings.tenant_id,
            business_name: settings.business_name,
            default_region: settings.default_region,
            time_zone: settings.time_zone,
            currency: settings.currency,
            member,
        },
    )
}
