//! Lambda function `create_customer`: wiring only (see `crm_functions::routes::customers::create`).

crm_functions::http_main!(customers::create::handle);
