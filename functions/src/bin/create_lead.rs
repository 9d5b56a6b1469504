//! Lambda function `create_lead`: wiring only (see `crm_functions::routes::leads::create`).

crm_functions::http_main!(leads::create::handle);
