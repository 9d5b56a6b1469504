//! Lambda function `stale_leads`: wiring only (see `crm_functions::workers::stale_leads`).

crm_functions::worker_main!(stale_leads);
