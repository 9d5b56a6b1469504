//! Lambda function `segment_refresh`: wiring only (see `crm_functions::workers::segment_refresh`).

crm_functions::worker_main!(segment_refresh);
