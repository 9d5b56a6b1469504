//! Lambda function `convert_lead`: wiring only (see `crm_functions::routes::convert_lead`).

crm_functions::http_main!(convert_lead);
