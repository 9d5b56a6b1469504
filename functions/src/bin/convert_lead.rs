//! Lambda function `convert_lead`: wiring only (see `crm_functions::routes::leads::convert`).

crm_functions::http_main!(leads::convert::handle);
