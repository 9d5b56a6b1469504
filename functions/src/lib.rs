//! Pipeline CRM handlers: plain async functions over ports (`Ctx`). The Lambda bins in
//! `src/bin/` choose AWS adapters; crm-local chooses embedded ones; both call these.

pub mod config;
pub mod context;
pub mod messaging;
pub mod routes;
pub mod runtime;
pub mod workers;

// Follow-up tasks of new leads (issue 5 item 6).
pub mod followup;

use lambda_http::{Body, Request, Response};

pub use context::Ctx;

/// Runs the handler of `function` (a name from the route table). `None` for an unknown name.
pub async fn dispatch(function: &str, ctx: &Ctx, request: Request) -> Option<Response<Body>> {
    use routes::*;
    Some(match function {
        "capture_lead" => capture_lead::handle(ctx, request).await,
        "openapi" => openapi::handle(ctx, request).await,
        "create_lead" => create_lead::handle(ctx, request).await,
        "list_leads" => list_leads::handle(ctx, request).await,
        "lead_board" => lead_board::handle(ctx, request).await,
        "lead_analytics" => lead_analytics::handle(ctx, request).await,
        "get_lead" => get_lead::handle(ctx, request).await,
        "update_lead" => update_lead::handle(ctx, request).await,
        "change_lead_status" => change_lead_status::handle(ctx, request).await,
        "add_lead_note" => add_lead_note::handle(ctx, request).await,
        "booking_webhook" => booking_webhook::handle(ctx, request).await,
        "get_customer" => get_customer::handle(ctx, request).await,
        "list_customers" => list_customers::handle(ctx, request).await,
        "export_customers" => export_customers::handle(ctx, request).await,
        "create_customer" => create_customer::handle(ctx, request).await,
        "update_customer" => update_customer::handle(ctx, request).await,
        "delete_customer" => delete_customer::handle(ctx, request).await,
        "add_customer_tag" => add_customer_tag::handle(ctx, request).await,
        "remove_customer_tag" => remove_customer_tag::handle(ctx, request).await,
        "add_customer_note" => add_customer_note::handle(ctx, request).await,
        "edit_customer_note" => edit_customer_note::handle(ctx, request).await,
        "delete_customer_note" => delete_customer_note::handle(ctx, request).await,
        "customer_timeline" => customer_timeline::handle(ctx, request).await,
        "convert_lead" => convert_lead::handle(ctx, request).await,
        "list_messages" => list_messages::handle(ctx, request).await,
        "send_customer_message" => send_customer_message::handle(ctx, request).await,
        "request_review" => request_review::handle(ctx, request).await,
        "sms_inbound" => sms_inbound::handle(ctx, request).await,
        "sms_status" => sms_status::handle(ctx, request).await,
        "get_settings" => get_settings::handle(ctx, request).await,
        "get_business" => get_business::handle(ctx, request).await,
        "update_settings" => update_settings::handle(ctx, request).await,
        // Calls, missed calls and tasks (issue 5 items 4 and 6).
        "call_webhook" => call_webhook::handle(ctx, request).await,
        "list_missed_calls" => list_missed_calls::handle(ctx, request).await,
        "missed_call_sms" => missed_call_sms::handle(ctx, request).await,
        "handle_missed_call" => handle_missed_call::handle(ctx, request).await,
        "list_tasks" => list_tasks::handle(ctx, request).await,
        "complete_task" => complete_task::handle(ctx, request).await,
        // Landing page (issue 6).
        "landing_page" => landing_page::handle(ctx, request).await,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use crm_shared::http::routes::ROUTES;

    /// Every route names a handler `dispatch` knows (checked without running one).
    #[test]
    fn every_route_function_has_a_bin() {
        for r in ROUTES {
            let bin = format!("{}/src/bin/{}.rs", env!("CARGO_MANIFEST_DIR"), r.function);
            assert!(std::path::Path::new(&bin).exists(), "missing {bin}");
        }
    }
}
