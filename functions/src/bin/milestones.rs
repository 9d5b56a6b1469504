//! Lambda function `milestones`: wiring only (see `crm_functions::workers::milestones`).

crm_functions::worker_main!(milestones);
