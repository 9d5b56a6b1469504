//! Lambda function `request_review`: wiring only (see `crm_functions::routes::messages::review`).

crm_functions::http_main!(messages::review::handle);
