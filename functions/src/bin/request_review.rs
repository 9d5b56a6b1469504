//! Lambda function `request_review`: wiring only (see `crm_functions::routes::request_review`).

crm_functions::http_main!(request_review);
