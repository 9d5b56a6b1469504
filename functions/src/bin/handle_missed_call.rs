//! Lambda function `handle_missed_call`: wiring only (see `crm_functions::routes::handle_missed_call`).

crm_functions::http_main!(handle_missed_call);
