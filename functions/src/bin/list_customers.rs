//! Lambda function `list_customers`: wiring only (see `crm_functions::routes::customers::list`).

crm_functions::http_main!(customers::list::handle);
