//! Lambda function `send_conversions`: wiring only (see
//! `crm_functions::workers::send_conversions`).

crm_functions::queue_main!(send_conversions);
