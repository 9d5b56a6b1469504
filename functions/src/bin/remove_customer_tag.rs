//! Lambda function `remove_customer_tag`: wiring only (see `crm_functions::routes::customers::tags`).

crm_functions::http_main!(customers::tags::remove);
