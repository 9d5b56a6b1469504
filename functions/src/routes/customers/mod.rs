//! Customer routes (`/customers…`, `/exports/customers.csv`): lists and search, the profile,
//! edits, tags, notes, loyalty points, the timeline and the CSV export. `fields` reads the editable profile,
//! `query` the list's filters and sort order (shared by the list and the export).

pub mod create;
pub mod delete;
pub mod export;
pub mod fields;
pub mod get;
pub mod list;
pub mod notes;
pub mod points;
pub mod query;
pub mod tags;
pub mod timeline;
pub mod update;

use serde::Serialize;
use utoipa::ToSchema;

/// What a delete removed.
#[derive(Serialize, ToSchema)]
pub struct Deleted {
    /// The id of what was deleted.
    pub deleted: String,
    /// Items removed with a customer (the customer's delete only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub items: Option<u64>,
}
