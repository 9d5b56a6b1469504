//! Lambda function `remove_customer_tag`: wiring only (see `crm_functions::routes::remove_customer_tag`).

crm_functions::http_main!(remove_customer_tag);
