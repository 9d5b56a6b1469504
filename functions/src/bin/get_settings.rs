//! Lambda function `get_settings`: wiring only (see `crm_functions::routes::settings::get`).

crm_functions::http_main!(settings::get::handle);
