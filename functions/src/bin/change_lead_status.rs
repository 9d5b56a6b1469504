//! Lambda function `change_lead_status`: wiring only (see `crm_functions::routes::leads::status`).

crm_functions::http_main!(leads::status::handle);
