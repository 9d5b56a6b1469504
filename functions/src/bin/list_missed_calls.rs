//! Lambda function `list_missed_calls`: wiring only (see `crm_functions::routes::calls::list`).

crm_functions::http_main!(calls::list::handle);
