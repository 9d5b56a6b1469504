//! Lambda function `openapi`: wiring only (see `crm_functions::routes::openapi`).

crm_functions::http_main!(openapi);
