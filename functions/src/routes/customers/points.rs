//! `POST /customers/{id}/points/redeem`: spend some of a customer's loyalty points on a
//! reward, never more than they have left, with the reason on their timeline. `If-Match`
//! with the version read makes a retried request safe (412 instead of spending twice).

use crm_shared::domain::validation::Fields;
use crm_shared::http::auth::claims;
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::{
    if_match_version, json_versioned, object_body, path_param, respond,
};
use crm_shared::store::customers::{self, Redemption};
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::{Map, Value};

use crate::context::Ctx;
use crate::routes::schema::{CustomerId, IfMatch};

/// The fields a redemption accepts.
pub const FIELDS: &[&str] = &["points", "reason"];

/// Most points one redemption may take.
pub const MAX_REDEEM: i64 = 1_000_000;

/// `redeem_points`.
#[utoipa::path(
    post,
    path = "/customers/{id}/points/redeem",
    operation_id = "redeem_points",
    params(CustomerId, IfMatch),
    request_body = crate::routes::schema::RedeemInput,
    responses(
        (status = 200, description = "The customer, with points_redeemed and points_available after it", body = crm_shared::domain::customer::Customer),
        (status = 404, description = "No such customer in your tenant"),
        (status = 409, description = "More points than the customer has to redeem (`available` says how many)"),
        (status = 412, description = "The customer changed since the version in If-Match"),
        (status = 413, description = "Body over 16 KB"),
        (status = 415, description = "Unsupported content type"),
        (status = 422, description = "Invalid fields, each named"),
    )
)]
pub async fn redeem(ctx: &Ctx, request: Request) -> Response<Body> {
    respond(redeem_points(ctx, &request).await)
}

/// The redemption's `points` (a whole number from 1 to [`MAX_REDEEM`]) and `reason`.
fn read(input: &Map<String, Value>) -> Result<(i64, String), ApiError> {
    let mut f = Fields::default();
    f.reject_unknown(input, FIELDS);
    let points = match input.get("points") {
        None | Some(Value::Null) => {
            f.error("points", "is required");
            None
        }
        Some(v) => match v.as_i64().filter(|p| (1..=MAX_REDEEM).contains(p)) {
            Some(p) => Some(p),
            None => {
                f.error(
                    "points",
                    format!("must be a whole number from 1 to {MAX_REDEEM}"),
                );
                None
            }
        },
    };
    let reason = f.required_text(input, "reason", 200);
    match f.finish((points, reason)).map_err(ApiError::Validation)? {
        (Some(points), Some(reason)) => Ok((points, reason)),
        _ => Err(ApiError::field("points", "is required")),
    }
}

async fn redeem_points(ctx: &Ctx, request: &Request) -> Result<Response<Body>, ApiError> {
    let claims = claims(request)?;
    let id = path_param(request, "id")?;
    let expected_version = if_match_version(request)?;
    let (input, _) = object_body(request, false)?;
    let (points, reason) = read(&input)?;
    let customer = customers::redeem_points(
        ctx.store.as_ref(),
        &claims.tenant_id,
        &id,
        &Redemption {
            points,
            reason: &reason,
            actor: &claims.sub,
            expected_version,
        },
        ctx.clock.now(),
    )
    .await?;
    json_versioned(StatusCode::OK, &customer, customer.version)
}
