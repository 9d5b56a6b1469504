//! Lambda function `customer_timeline`: wiring only (see `crm_functions::routes::customers::timeline`).

crm_functions::http_main!(customers::timeline::handle);
