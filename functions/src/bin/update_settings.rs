//! Lambda function `update_settings`: wiring only (see `crm_functions::routes::update_settings`).

crm_functions::http_main!(update_settings);
