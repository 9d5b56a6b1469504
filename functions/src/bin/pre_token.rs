//! Lambda function `pre_token`: wiring only (see `crm_functions::workers::pre_token`), the
//! user pool's pre token generation trigger.

crm_functions::worker_main!(pre_token);
