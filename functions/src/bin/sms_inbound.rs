//! Lambda function `sms_inbound`: wiring only (see `crm_functions::routes::sms_inbound`).

crm_functions::http_main!(sms_inbound);
