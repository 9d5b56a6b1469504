//! HTTP handlers: one module per route of `crm_shared::http::routes::ROUTES`.

pub mod add_customer_note;
pub mod add_customer_tag;
pub mod add_lead_note;
pub mod booking_webhook;
pub mod capture_lead;
pub mod change_lead_status;
pub mod convert_lead;
pub mod create_customer;
pub mod create_lead;
pub mod customer_fields;
pub mod customer_timeline;
pub mod delete_customer;
pub mod delete_customer_note;
pub mod edit_customer_note;
pub mod export_customers;
pub mod get_business;
pub mod get_customer;
pub mod get_lead;
pub mod get_settings;
pub mod lead_analytics;
pub mod lead_board;
pub mod lead_fields;
pub mod list_customers;
pub mod list_leads;
pub mod list_messages;
pub mod openapi;
pub mod openapi_messages;
pub mod remove_customer_tag;
pub mod request_review;
pub mod send_customer_message;
pub mod settings_fields;
pub mod sms_inbound;
pub mod sms_status;
pub mod update_customer;
pub mod update_lead;
pub mod update_settings;
pub mod webhook;

// Calls, missed calls and tasks (issue 5 items 4 and 6).
pub mod call_webhook;
pub mod complete_task;
pub mod handle_missed_call;
pub mod list_missed_calls;
pub mod list_tasks;
pub mod missed_call_sms;
// Landing page (issue 6).
pub mod landing_page;
