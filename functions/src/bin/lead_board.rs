//! Lambda function `lead_board`: wiring only (see `crm_functions::routes::lead_board`).

crm_functions::http_main!(lead_board);
