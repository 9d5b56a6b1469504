//! Lambda function `remove_member`: wiring only (see `crm_functions::routes::members::remove`).

crm_functions::http_main!(members::remove::handle);
