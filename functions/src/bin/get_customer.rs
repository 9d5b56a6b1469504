//! Lambda function `get_customer`: wiring only (see `crm_functions::routes::customers::get`).

crm_functions::http_main!(customers::get::handle);
