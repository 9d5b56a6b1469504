//! Lambda function `list_customers`: wiring only (see `crm_functions::routes::list_customers`).

crm_functions::http_main!(list_customers);
