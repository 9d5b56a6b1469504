//! The business's duties to the people it holds data about (issue 17).

pub mod erase;
