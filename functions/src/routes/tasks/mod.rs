//! Task routes (`/tasks…`): the follow-up list and completing a task.

pub mod complete;
pub mod list;
