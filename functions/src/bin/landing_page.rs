//! Lambda function `landing_page`: wiring only (see `crm_functions::routes::public::landing_page`).

crm_functions::http_main!(public::landing_page::handle);
