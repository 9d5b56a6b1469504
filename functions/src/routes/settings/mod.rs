//! Settings routes: the owner's settings (`/settings`) and what every screen shows of the
//! business (`/business`). `fields` is the settings as the API shows and edits them.

pub mod business;
pub mod fields;
pub mod get;
pub mod update;
