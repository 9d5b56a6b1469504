//! Consumers and scheduled jobs: one module each.

pub mod auto_texts;
pub mod count_leads;
pub mod ingest_booking;
pub mod milestones;
pub mod pre_token;
pub mod publish_events;
pub mod run_import;
pub mod segment_refresh;
pub mod send_conversions;
pub mod send_sms;
pub mod stale_leads;
