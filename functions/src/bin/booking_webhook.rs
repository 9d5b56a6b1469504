//! Lambda function `booking_webhook`: wiring only (see `crm_functions::routes::booking_webhook`).

crm_functions::http_main!(booking_webhook);
