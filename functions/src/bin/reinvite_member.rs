//! Lambda function `reinvite_member`: wiring only (see `crm_functions::routes::members::reset`).

crm_functions::http_main!(members::reset::handle);
