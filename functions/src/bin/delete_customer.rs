//! Lambda function `delete_customer`: wiring only (see `crm_functions::routes::customers::delete`).

crm_functions::http_main!(customers::delete::handle);
