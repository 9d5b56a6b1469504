//! Lambda function `complete_task`: wiring only (see `crm_functions::routes::tasks::complete`).

crm_functions::http_main!(tasks::complete::handle);
