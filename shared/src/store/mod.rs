//! Access patterns over the store port, written once for both adapters.

pub mod customers;
pub mod daily;
pub mod hourly;
pub mod keys;
pub mod leads;
pub mod stale;
pub mod stats;
pub mod tenants;
