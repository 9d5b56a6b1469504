//! Lambda function `list_members`: wiring only (see `crm_functions::routes::members::list`).

crm_functions::http_main!(members::list::handle);
