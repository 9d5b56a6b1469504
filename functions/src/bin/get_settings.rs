//! Lambda function `get_settings`: wiring only (see `crm_functions::routes::get_settings`).

crm_functions::http_main!(get_settings);
