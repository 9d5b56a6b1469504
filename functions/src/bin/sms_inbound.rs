//! Lambda function `sms_inbound`: wiring only (see `crm_functions::routes::hooks::sms_inbound`).

crm_functions::http_main!(hooks::sms_inbound::handle);
