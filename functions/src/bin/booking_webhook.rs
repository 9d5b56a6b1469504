//! Lambda function `booking_webhook`: wiring only (see `crm_functions::routes::hooks::bookings`).

crm_functions::http_main!(hooks::bookings::handle);
