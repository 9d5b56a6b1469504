//! Lambda function `capture_lead`: wiring only (see `crm_functions::routes::public::capture`).

crm_functions::http_main!(public::capture::handle);
