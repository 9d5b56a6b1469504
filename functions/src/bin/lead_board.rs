//! Lambda function `lead_board`: wiring only (see `crm_functions::routes::leads::board`).

crm_functions::http_main!(leads::board::handle);
