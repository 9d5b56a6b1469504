//! Message routes: the texts list, a text to a customer, a review request by hand.

pub mod list;
pub mod review;
pub mod send;
