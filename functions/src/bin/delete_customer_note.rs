//! Lambda function `delete_customer_note`: wiring only (see `crm_functions::routes::delete_customer_note`).

crm_functions::http_main!(delete_customer_note);
