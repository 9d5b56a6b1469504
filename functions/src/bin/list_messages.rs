//! Lambda function `list_messages`: wiring only (see `crm_functions::routes::messages::list`).

crm_functions::http_main!(messages::list::handle);
