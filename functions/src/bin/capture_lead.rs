//! Lambda function `capture_lead`: wiring only (see `crm_functions::routes::capture_lead`).

crm_functions::http_main!(capture_lead);
