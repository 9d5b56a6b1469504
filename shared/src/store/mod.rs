//! Access patterns over the store port, written once for both adapters.

pub mod accounts;
pub mod conversions;
pub mod customers;
pub mod daily;
pub mod hourly;
pub mod keys;
pub mod leads;
pub mod limits;
pub mod members;
pub mod messages;
pub mod page;
pub mod replays;
pub mod retry;
pub mod stale;
pub mod stats;
pub mod tenants;

// Calls, the missed-call recovery queue and follow-up tasks (issue 5 items 4 and 6).
pub mod calls;
pub mod tasks;
