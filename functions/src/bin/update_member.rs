//! Lambda function `update_member`: wiring only (see `crm_functions::routes::members::update`).

crm_functions::http_main!(members::update::handle);
