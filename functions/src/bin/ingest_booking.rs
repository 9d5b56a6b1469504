//! Lambda function `ingest_booking`: wiring only (see `crm_functions::workers::ingest_booking`).

crm_functions::worker_main!(ingest_booking);
