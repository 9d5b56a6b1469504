//! Ports: the traits handlers use. Adapters in `crate::adapters` implement them.

pub mod bus;
pub mod capi;
pub mod clock;
pub mod directory;
pub mod files;
pub mod queue;
pub mod sms;
pub mod store;
pub mod vault;
