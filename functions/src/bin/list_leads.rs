//! Lambda function `list_leads`: wiring only (see `crm_functions::routes::list_leads`).

crm_functions::http_main!(list_leads);
