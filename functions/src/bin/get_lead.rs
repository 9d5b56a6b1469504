//! Lambda function `get_lead`: wiring only (see `crm_functions::routes::leads::get`).

crm_functions::http_main!(leads::get::handle);
