//! Lambda function `change_lead_status`: wiring only (see `crm_functions::routes::change_lead_status`).

crm_functions::http_main!(change_lead_status);
