//! Lambda function `get_customer`: wiring only (see `crm_functions::routes::get_customer`).

crm_functions::http_main!(get_customer);
