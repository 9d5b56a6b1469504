//! Lambda function `update_lead`: wiring only (see `crm_functions::routes::leads::update`).

crm_functions::http_main!(leads::update::handle);
