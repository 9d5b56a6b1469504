//! Tenant routes (`/tenants`): a person the identity provider verified founds their business
//! (DESIGN §7.1: tenants are created by the product, never by hand-written items).

pub mod create;
