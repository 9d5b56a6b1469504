//! Lambda function `sms_status`: wiring only (see `crm_functions::routes::sms_status`).

crm_functions::http_main!(sms_status);
