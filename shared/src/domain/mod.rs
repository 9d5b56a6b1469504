//! Domain rules: pure functions and types. No adapter, AWS crate, HTTP type or clock here:
//! time comes in as an argument.

pub mod analytics;
pub mod booking;
pub mod call;
pub mod capture;
pub mod conversion;
pub mod customer;
pub mod duplicate;
pub mod events;
pub mod hours;
pub mod lead;
pub mod lead_detail;
pub mod member;
pub mod message;
pub mod phone;
pub mod secret;
pub mod source;
pub mod task;
pub mod tenant;
pub mod timeline;
pub mod validation;
