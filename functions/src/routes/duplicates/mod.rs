//! Possible duplicates (`/duplicates…`, DESIGN §2.2, issue 19): the pairs the create paths
//! flagged, side by side, and their review: merge, keep both, or ignore.

pub mod list;
pub mod resolve;
