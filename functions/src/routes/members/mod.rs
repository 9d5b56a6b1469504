//! Member routes (`/members…`): who may sign in to the business, with which role (DESIGN
//! §7.1). Owners manage everyone; admins invite and manage staff; the business keeps an owner.

pub mod invite;
pub mod list;
pub mod remove;
pub mod reset;
pub mod update;

mod fields;
