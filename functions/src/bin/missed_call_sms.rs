//! Lambda function `missed_call_sms`: wiring only (see `crm_functions::routes::missed_call_sms`).

crm_functions::http_main!(missed_call_sms);
