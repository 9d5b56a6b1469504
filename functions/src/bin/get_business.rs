//! Lambda function `get_business`: wiring only (see `crm_functions::routes::get_business`).

crm_functions::http_main!(get_business);
