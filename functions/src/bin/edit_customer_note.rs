//! Lambda function `edit_customer_note`: wiring only (see `crm_functions::routes::customers::notes`).

crm_functions::http_main!(customers::notes::edit);
