//! Lambda function `lead_analytics`: wiring only (see `crm_functions::routes::leads::analytics`).

crm_functions::http_main!(leads::analytics::handle);
