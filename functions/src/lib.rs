//! Pipeline CRM handlers: plain async functions over ports (`Ctx`). The Lambda binary
//! (`src/bin/bootstrap.rs`) chooses AWS adapters (through `lambda`, the one module here that
//! names adapters); crm-local chooses embedded ones; both call these. Every route's handler
//! answering its sample event is `tests/replay_events.rs`.

pub mod api_doc;
pub mod context;
#[cfg(feature = "lambda")]
pub mod lambda;
pub mod routes;
pub mod usecases;
pub mod workers;

pub use context::{Ctx, Ports};
pub use routes::dispatch;
