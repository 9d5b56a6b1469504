//! HTTP helpers shared by every handler: auth claims, problem errors, requests, routes.

pub mod auth;
pub mod problem;
pub mod request;
pub mod routes;
pub mod signature;
pub mod spreadsheet;
pub mod token;
pub mod twilio_signature;
