//! Lambda function `update_customer`: wiring only (see `crm_functions::routes::update_customer`).

crm_functions::http_main!(update_customer);
