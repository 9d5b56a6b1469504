//! Missed-call routes (`/missed-calls…`): the recovery queue, its text, marking one handled.

pub mod handled;
pub mod list;
pub mod sms;
