//! Lambda function `create_lead`: wiring only (see `crm_functions::routes::create_lead`).

crm_functions::http_main!(create_lead);
