//! Lambda function `sms_status`: wiring only (see `crm_functions::routes::hooks::sms_status`).

crm_functions::http_main!(hooks::sms_status::handle);
