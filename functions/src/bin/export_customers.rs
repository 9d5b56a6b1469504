//! Lambda function `export_customers`: wiring only (see `crm_functions::routes::customers::export`).

crm_functions::http_main!(customers::export::handle);
