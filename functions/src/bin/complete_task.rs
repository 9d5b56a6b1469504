//! Lambda function `complete_task`: wiring only (see `crm_functions::routes::complete_task`).

crm_functions::http_main!(complete_task);
