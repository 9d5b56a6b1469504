//! Lambda function `edit_customer_note`: wiring only (see `crm_functions::routes::edit_customer_note`).

crm_functions::http_main!(edit_customer_note);
