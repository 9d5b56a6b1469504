//! Lambda function `update_customer`: wiring only (see `crm_functions::routes::customers::update`).

crm_functions::http_main!(customers::update::handle);
