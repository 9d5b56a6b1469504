//! Lambda function `handle_missed_call`: wiring only (see `crm_functions::routes::calls::handled`).

crm_functions::http_main!(calls::handled::handle);
