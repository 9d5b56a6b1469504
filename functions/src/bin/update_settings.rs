//! Lambda function `update_settings`: wiring only (see `crm_functions::routes::settings::update`).

crm_functions::http_main!(settings::update::handle);
