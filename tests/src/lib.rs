//! Cross-crate end-to-end tests: see the files in `tests/tests/`.
