//! Lambda function `list_tasks`: wiring only (see `crm_functions::routes::list_tasks`).

crm_functions::http_main!(list_tasks);
