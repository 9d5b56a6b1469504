//! The arrows of DESIGN §6 hold: the domain names no adapter, AWS crate, HTTP type or clock;
//! only adapters name aws-sdk-* or rusqlite; handlers and the local server hold no SQL or SDK.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// Files under `dir` (relative to the workspace root) whose code mentions any of `forbidden`.
fn offenders(dir: &str, forbidden: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let files = rust_files(&root.join(dir));
    assert!(!files.is_empty(), "no Rust files under {dir}");
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        for line in text.lines() {
            let code = line.split("//").next().unwrap_or("");
            for f in forbidden {
                if code.contains(f) {
                    found.push(format!("{}: {}", file.display(), line.trim()));
                }
            }
        }
    }
    found
}

#[test]
fn the_domain_imports_no_adapter_aws_http_or_clock() {
    let bad = offenders(
        "shared/src/domain",
        &[
            "aws_sdk",
            "aws_config",
            "rusqlite",
            "lambda_http",
            "http::",
            "crate::adapters",
            "crate::ports",
            "crate::store",
            "Utc::now",
            "SystemTime",
            "Instant::now",
            "tokio",
        ],
    );
    assert!(
        bad.is_empty(),
        "domain reaches outwards:\n{}",
        bad.join("\n")
    );
}

#[test]
fn only_adapters_name_aws_sdks_or_sqlite() {
    for dir in [
        "shared/src/domain",
        "shared/src/ports",
        "shared/src/store",
        "shared/src/http",
        "functions/src",
        "local/src",
    ] {
        let bad = offenders(dir, &["aws_sdk_", "rusqlite"]);
        assert!(bad.is_empty(), "{dir} names a backend:\n{}", bad.join("\n"));
    }
}
