//! Pipeline CRM shared crate: domain rules, ports, adapters, access patterns and HTTP helpers.
//!
//! Arrows point inwards: `domain` imports no adapter, AWS crate, HTTP type or clock;
//! `ports` are the traits handlers use; `adapters` implement them; `store` holds the access
//! patterns written once over the store port; `http` maps requests and errors; `import`
//! reads the client lists businesses bring from other tools.

pub mod adapters;
pub mod domain;
pub mod http;
pub mod import;
pub mod ports;
pub mod store;
