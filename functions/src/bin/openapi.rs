//! Lambda function `openapi`: wiring only (see `crm_functions::routes::public::openapi`).

// Serves a static document: no table access, so no warm-up read (its IAM role has none).
crm_functions::http_main!(public::openapi::handle, WarmUp::No);
