//! Lambda function `missed_call_sms`: wiring only (see `crm_functions::routes::calls::sms`).

crm_functions::http_main!(calls::sms::handle);
