//! Lambda function `send_customer_message`: wiring only (see `crm_functions::routes::send_customer_message`).

crm_functions::http_main!(send_customer_message);
