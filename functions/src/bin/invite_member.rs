//! Lambda function `invite_member`: wiring only (see `crm_functions::routes::members::invite`).

crm_functions::http_main!(members::invite::handle);
