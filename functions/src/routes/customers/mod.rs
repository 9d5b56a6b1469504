//! Customer routes (`/customers…`, `/exports/customers.csv`): lists and search, the profile,
//! edits, tags, notes, the timeline and the CSV export. `fields` reads the editable profile,
//! `query` the list's filters and sort order (shared by the list and the export).

pub mod create;
pub mod delete;
pub mod export;
pub mod fields;
pub mod get;
pub mod list;
pub mod notes;
pub mod query;
pub mod tags;
pub mod timeline;
pub mod update;
