//! Lambda function `customer_timeline`: wiring only (see `crm_functions::routes::customer_timeline`).

crm_functions::http_main!(customer_timeline);
