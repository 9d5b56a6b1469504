//! Pipeline CRM handlers: plain async functions over ports (`Ctx`). The Lambda bins in
//! `src/bin/` choose AWS adapters (through `lambda`, the one module here that names adapters);
//! crm-local chooses embedded ones; both call these.

pub mod api_doc;
pub mod context;
#[cfg(feature = "lambda")]
pub mod lambda;
pub mod routes;
pub mod usecases;
pub mod workers;

pub use context::{Ctx, Ports};
pub use routes::dispatch;

#[cfg(test)]
mod tests {
    use crm_shared::http::routes::ROUTES;

    /// Every route names a handler `dispatch` knows (checked without running one).
    #[test]
    fn every_route_function_has_a_bin() {
        for r in ROUTES {
            let bin = format!("{}/src/bin/{}.rs", env!("CARGO_MANIFEST_DIR"), r.function);
            assert!(std::path::Path::new(&bin).exists(), "missing {bin}");
        }
    }
}
