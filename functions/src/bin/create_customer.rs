//! Lambda function `create_customer`: wiring only (see `crm_functions::routes::create_customer`).

crm_functions::http_main!(create_customer);
