//! Lambda function `landing_page`: wiring only (see `crm_functions::routes::landing_page`).

crm_functions::http_main!(landing_page);
