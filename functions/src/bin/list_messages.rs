//! Lambda function `list_messages`: wiring only (see `crm_functions::routes::list_messages`).

crm_functions::http_main!(list_messages);
