//! Lambda function `delete_customer`: wiring only (see `crm_functions::routes::delete_customer`).

crm_functions::http_main!(delete_customer);
