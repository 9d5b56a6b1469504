//! Key layout of the single table (DESIGN §4), in one place.
//!
//! | item | PK | SK | GSI1 (board) | GSI2 (stale due) |
//! |---|---|---|---|---|
//! | tenant settings | `T#t` | `SETTINGS` | | |
//! | tenant registry | `TENANTS` | `t` | | |
//! | lead | `T#t#LEADS` | lead id (ULID: sorts by creation) | `T#t#LS#status` / id | `STALE#yyyy-mm-ddThh` / `T#t#L#id` while open |
//! | lead status event / note | `T#t#L#id` | `E#<version, 20 digits>` / `N#ulid` | | |
//! | phone claim (dedupe window; then the latest lead with the phone) | `T#t#U#phone#+353…` | `U` | | |
//! | customer | `T#t#C#id` | `C` | | |
//! | booking / timeline entry | `T#t#C#id` | `B#booking id` / `TL#ulid` | | |
//! | owner of a booking id, customer phone, customer email | `T#t#U#booking#…` / `T#t#U#cphone#…` / `T#t#U#cemail#…` | `U` | | |
//! | counters | `T#t#STATS` | `M#yyyy-mm` (counted leads, watermark) / `BOARD` (status deltas) | | |
//!
//! Leads sit in one partition per tenant with the ULID as sort key, so the newest-first list
//! is a query of the table itself and costs no index write (DESIGN suggested a list GSI; this
//! keeps the property, O(page) reads, for one index write less per capture).

use chrono::{DateTime, Utc};

use crate::domain::lead::LeadStatus;
use crate::ports::store::{Index, Key};

/// The board index: leads by status, newest first.
pub const BOARD_INDEX: Index = Index::Gsi(1);
/// The stale-due index: open leads by the hour they go stale.
pub const STALE_INDEX: Index = Index::Gsi(2);

pub fn settings(tenant: &str) -> Key {
    Key::new(format!("T#{tenant}"), "SETTINGS")
}

pub const TENANTS_PK: &str = "TENANTS";

pub fn tenant_registry(tenant: &str) -> Key {
    Key::new(TENANTS_PK, tenant)
}

pub fn leads_pk(tenant: &str) -> String {
    format!("T#{tenant}#LEADS")
}

pub fn lead(tenant: &str, id: &str) -> Key {
    Key::new(leads_pk(tenant), id)
}

/// Partition of a lead's status events and notes.
pub fn lead_children_pk(tenant: &str, id: &str) -> String {
    format!("T#{tenant}#L#{id}")
}

/// Status events sort by the lead version they created: unique (the same transaction checks
/// the version) and in the order the changes were applied, whatever the clocks said.
pub fn status_event_sk(version: u64) -> String {
    format!("E#{version:020}")
}

/// A ULID for `at` that sorts after every id this process made before, even within one
/// millisecond (notes written in a burst stay in order).
pub fn sequential_id(at: DateTime<Utc>) -> String {
    static GENERATOR: std::sync::Mutex<Option<ulid::Generator>> = std::sync::Mutex::new(None);
    let fallback = || ulid::Ulid::from_datetime(at.into()).to_string();
    let Ok(mut guard) = GENERATOR.lock() else {
        return fallback();
    };
    guard
        .get_or_insert_with(ulid::Generator::new)
        .generate_from_datetime(at.into())
        .map(|u| u.to_string())
        .unwrap_or_else(|_| fallback())
}

pub fn note_sk(note_id: &str) -> String {
    format!("N#{note_id}")
}

pub fn board_pk(tenant: &str, status: LeadStatus) -> String {
    format!("T#{tenant}#LS#{}", status.as_str())
}

pub fn stale_bucket(at: DateTime<Utc>) -> String {
    format!("STALE#{}", at.format("%Y-%m-%dT%H"))
}

pub fn stale_member(tenant: &str, id: &str) -> String {
    format!("T#{tenant}#L#{id}")
}

/// `(tenant, lead id)` of a stale-due index entry.
pub fn parse_stale_member(member: &str) -> Option<(&str, &str)> {
    member.strip_prefix("T#")?.split_once("#L#")
}

pub fn phone_claim(tenant: &str, e164: &str) -> Key {
    Key::new(format!("T#{tenant}#U#phone#{e164}"), "U")
}

pub fn stats_pk(tenant: &str) -> String {
    format!("T#{tenant}#STATS")
}

pub const STATS_BOARD: &str = "BOARD";

pub fn stats_month_sk(month: &str) -> String {
    format!("M#{month}")
}

/// `yyyy-mm` of an instant (UTC).
pub fn month_of(at: DateTime<Utc>) -> String {
    at.format("%Y-%m").to_string()
}
