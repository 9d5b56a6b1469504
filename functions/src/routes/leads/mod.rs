//! Lead routes (`/leads…`): the board, lists, one lead, edits, status changes, notes,
//! analytics and conversion. `fields` reads the editable lead fields for `create` and `update`.

pub mod analytics;
pub mod board;
pub mod convert;
pub mod create;
pub mod fields;
pub mod get;
pub mod list;
pub mod notes;
pub mod status;
pub mod update;
