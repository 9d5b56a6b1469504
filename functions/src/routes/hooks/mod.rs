//! Signed webhooks (`/hooks/{tenant}/…`): booking facts, calls, and the SMS provider's
//! inbound texts and delivery reports. `signature` finds the tenant and verifies the signer.

pub mod bookings;
pub mod calls;
pub mod signature;
pub mod sms_inbound;
pub mod sms_status;
