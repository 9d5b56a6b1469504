//! Lambda function `call_webhook`: wiring only (see `crm_functions::routes::call_webhook`).

crm_functions::http_main!(call_webhook);
