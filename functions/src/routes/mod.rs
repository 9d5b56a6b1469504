//! HTTP handlers, grouped by resource. Each route of `crm_shared::http::routes::ROUTES` names
//! its function; [`dispatch`] maps the name to its handler. A handler module imports no
//! other handler module and no worker: what two of them share lives in its group's
//! non-handler modules (`fields`, `query`, `signature`), in [`schema`] (what they accept, for
//! the OpenAPI document) or in `crate::usecases`.

pub mod calls;
pub mod customers;
pub mod duplicates;
pub mod hooks;
pub mod imports;
pub mod leads;
pub mod members;
pub mod messages;
pub mod privacy;
pub mod public;
pub mod schema;
pub mod settings;
pub mod tasks;
pub mod tenants;

use crm_shared::http::auth::{claims, person, Role};
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::respond;
use crm_shared::http::routes::{Access, Route, ROUTES};
use crm_shared::store::members as membership;
use lambda_http::{Body, Request, Response};

use crate::context::Ctx;

/// The answer refusing the caller of `route`, if the route table does not admit them: the one
/// place roles are enforced (DESIGN §7.1), before any handler runs. A public route admits
/// anyone; an admin route a verified token (401 otherwise) whose membership still stands
/// (401 otherwise: removed, or its role changed since the token) of at least its role (403
/// otherwise); a person route a verified token naming a person and their verified email (401
/// otherwise), tenant or not. Handlers then read the claims for the tenant and the actor, never to check a
/// role again.
pub async fn refusal(route: &Route, ctx: &Ctx, request: &Request) -> Option<Response<Body>> {
    match route.access {
        Access::Public => None,
        Access::Person => person(request).err().map(|refused| respond(Err(refused))),
        Access::Admin(min) => admit(min, ctx, request)
            .await
            .err()
            .map(|refused| respond(Err(refused))),
    }
}

async fn admit(min: Role, ctx: &Ctx, request: &Request) -> Result<(), ApiError> {
    let claims = claims(request)?;
    if let Some(token) = &claims.membership {
        let member = membership::get(ctx.store.as_ref(), &claims.tenant_id, &token.id).await?;
        if !member.is_some_and(|m| m.admits(token.version)) {
            return Err(ApiError::Unauthorized);
        }
    }
    claims.require(min)
}

/// The route a function serves (a name from the route table).
pub fn route_of(function: &str) -> Option<&'static Route> {
    ROUTES.iter().find(|r| r.function == function)
}

/// Runs the handler of `function` (a name from the route table) for a caller the table
/// admits. `None` for an unknown name.
pub async fn dispatch(function: &str, ctx: &Ctx, request: Request) -> Option<Response<Body>> {
    if let Some(refused) = refusal(route_of(function)?, ctx, &request).await {
        return Some(refused);
    }
    handle(function, ctx, request).await
}

/// Runs the handler of `function` for a caller [`refusal`] already admitted. `None` for an
/// unknown name.
pub async fn handle(function: &str, ctx: &Ctx, request: Request) -> Option<Response<Body>> {
    Some(match function {
        "capture_lead" => public::capture::handle(ctx, request).await,
        "landing_page" => public::landing_page::handle(ctx, request).await,
        "openapi" => public::openapi::handle(ctx, request).await,
        "create_lead" => leads::create::handle(ctx, request).await,
        "list_leads" => leads::list::handle(ctx, request).await,
        "lead_board" => leads::board::handle(ctx, request).await,
        "lead_analytics" => leads::analytics::handle(ctx, request).await,
        "get_lead" => leads::get::handle(ctx, request).await,
        "update_lead" => leads::update::handle(ctx, request).await,
        "change_lead_status" => leads::status::handle(ctx, request).await,
        "add_lead_note" => leads::notes::handle(ctx, request).await,
        "convert_lead" => leads::convert::handle(ctx, request).await,
        "list_members" => members::list::handle(ctx, request).await,
        "invite_member" => members::invite::handle(ctx, request).await,
        "update_member" => members::update::handle(ctx, request).await,
        "remove_member" => members::remove::handle(ctx, request).await,
        "reinvite_member" => members::reset::handle(ctx, request).await,
        "get_customer" => customers::get::handle(ctx, request).await,
        "list_customers" => customers::list::handle(ctx, request).await,
        "export_customers" => customers::export::handle(ctx, request).await,
        "create_customer" => customers::create::handle(ctx, request).await,
        "update_customer" => customers::update::handle(ctx, request).await,
        "delete_customer" => customers::delete::handle(ctx, request).await,
        "erase_person" => privacy::erase::handle(ctx, request).await,
        "add_customer_tag" => customers::tags::add(ctx, request).await,
        "redeem_points" => customers::points::redeem(ctx, request).await,
        "remove_customer_tag" => customers::tags::remove(ctx, request).await,
        "add_customer_note" => customers::notes::add(ctx, request).await,
        "edit_customer_note" => customers::notes::edit(ctx, request).await,
        "delete_customer_note" => customers::notes::delete(ctx, request).await,
        "customer_timeline" => customers::timeline::handle(ctx, request).await,
        "list_messages" => messages::list::handle(ctx, request).await,
        "send_customer_message" => messages::send::handle(ctx, request).await,
        "request_review" => messages::review::handle(ctx, request).await,
        "list_missed_calls" => calls::list::handle(ctx, request).await,
        "missed_call_sms" => calls::sms::handle(ctx, request).await,
        "handle_missed_call" => calls::handled::handle(ctx, request).await,
        "list_tasks" => tasks::list::handle(ctx, request).await,
        "complete_task" => tasks::complete::handle(ctx, request).await,
        "get_settings" => settings::get::handle(ctx, request).await,
        "update_settings" => settings::update::handle(ctx, request).await,
        "create_tenant" => tenants::create::handle(ctx, request).await,
        "get_business" => settings::business::handle(ctx, request).await,
        "booking_webhook" => hooks::bookings::handle(ctx, request).await,
        "call_webhook" => hooks::calls::handle(ctx, request).await,
        "sms_inbound" => hooks::sms_inbound::handle(ctx, request).await,
        "sms_status" => hooks::sms_status::handle(ctx, request).await,
        "list_duplicates" => duplicates::list::handle(ctx, request).await,
        "resolve_duplicate" => duplicates::resolve::handle(ctx, request).await,
        "create_import" => imports::create::handle(ctx, request).await,
        "get_import" => imports::get::handle(ctx, request).await,
        "update_import" => imports::update::handle(ctx, request).await,
        "preview_import" => imports::preview::handle(ctx, request).await,
        "start_import" => imports::start::handle(ctx, request).await,
        "cancel_import" => imports::cancel::handle(ctx, request).await,
        "import_errors" => imports::errors::handle(ctx, request).await,
        _ => return None,
    })
}
