//! Lambda function `get_lead`: wiring only (see `crm_functions::routes::get_lead`).

crm_functions::http_main!(get_lead);
