//! Lambda function `update_lead`: wiring only (see `crm_functions::routes::update_lead`).

crm_functions::http_main!(update_lead);
