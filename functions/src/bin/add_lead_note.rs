//! Lambda function `add_lead_note`: wiring only (see `crm_functions::routes::leads::notes`).

crm_functions::http_main!(leads::notes::handle);
