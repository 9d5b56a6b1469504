//! Lambda function `call_webhook`: wiring only (see `crm_functions::routes::hooks::calls`).

crm_functions::http_main!(hooks::calls::handle);
