//! Lambda function `list_leads`: wiring only (see `crm_functions::routes::leads::list`).

crm_functions::http_main!(leads::list::handle);
