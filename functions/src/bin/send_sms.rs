//! Lambda function `send_sms`: wiring only (see `crm_functions::workers::send_sms`).

crm_functions::queue_main!(send_sms);
