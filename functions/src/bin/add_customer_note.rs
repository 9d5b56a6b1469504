//! Lambda function `add_customer_note`: wiring only (see `crm_functions::routes::add_customer_note`).

crm_functions::http_main!(add_customer_note);
