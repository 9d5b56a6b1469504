//! Lambda function `export_customers`: wiring only (see `crm_functions::routes::export_customers`).

crm_functions::http_main!(export_customers);
