//! Lambda function `add_customer_tag`: wiring only (see `crm_functions::routes::add_customer_tag`).

crm_functions::http_main!(add_customer_tag);
