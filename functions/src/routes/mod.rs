//! HTTP handlers: one module per route of `crm_shared::http::routes::ROUTES`.

pub mod add_lead_note;
pub mod booking_webhook;
pub mod capture_lead;
pub mod change_lead_status;
pub mod create_lead;
pub mod get_customer;
pub mod get_lead;
pub mod lead_analytics;
pub mod lead_board;
pub mod lead_fields;
pub mod list_leads;
pub mod openapi;
pub mod update_lead;
