//! Lambda function `list_tasks`: wiring only (see `crm_functions::routes::tasks::list`).

crm_functions::http_main!(tasks::list::handle);
