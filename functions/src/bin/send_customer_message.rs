//! Lambda function `send_customer_message`: wiring only (see `crm_functions::routes::messages::send`).

crm_functions::http_main!(messages::send::handle);
