//! Access patterns over the store port, written once for both adapters.

pub mod conversions;
pub mod customers;
pub mod keys;
pub mod leads;
pub mod messages;
pub mod stale;
pub mod stats;
pub mod tenants;
