//! Lambda function `get_business`: wiring only (see `crm_functions::routes::settings::business`).

crm_functions::http_main!(settings::business::handle);
