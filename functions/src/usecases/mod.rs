//! What routes and workers share: the use cases both call (capturing a lead, applying a
//! booking fact, queuing a text). Handlers and workers stay thin; the rules are in
//! `crm_shared::domain`, the access patterns in `crm_shared::store`.

pub mod booking;
pub mod capture;
pub mod importing;
pub mod messaging;
pub mod onboarding;
