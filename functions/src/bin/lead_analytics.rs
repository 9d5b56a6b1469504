//! Lambda function `lead_analytics`: wiring only (see `crm_functions::routes::lead_analytics`).

crm_functions::http_main!(lead_analytics);
