//! Lambda function `add_lead_note`: wiring only (see `crm_functions::routes::add_lead_note`).

crm_functions::http_main!(add_lead_note);
