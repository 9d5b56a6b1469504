//! Lambda function `list_missed_calls`: wiring only (see `crm_functions::routes::list_missed_calls`).

crm_functions::http_main!(list_missed_calls);
