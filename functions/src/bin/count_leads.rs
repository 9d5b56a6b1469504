//! Lambda function `count_leads`: wiring only (see `crm_functions::workers::count_leads`).

crm_functions::worker_main!(count_leads);
