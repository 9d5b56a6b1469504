//! The arrows of DESIGN §6 hold: the domain names no adapter, AWS crate, HTTP type or clock;
//! only adapters name aws-sdk-* or rusqlite; handlers and the local server hold no SQL or SDK;
//! in crm-functions only the Lambda wiring chooses adapters.

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
    offenders_outside(dir, &[], forbidden)
}

/// As `offenders`, leaving out the files under the directories `allowed` (relative to the
/// workspace root).
fn offenders_outside(dir: &str, allowed: &[&str], forbidden: &[&str]) -> Vec<String> {
    let root = root();
    let allowed: Vec<PathBuf> = allowed.iter().map(|a| root.join(a)).collect();
    let files = rust_files(&root.join(dir));
    assert!(!files.is_empty(), "no Rust files under {dir}");
    let mut found = Vec::new();
    for file in files {
        if allowed.iter().any(|a| file.starts_with(a)) {
            continue;
        }
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

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The code of a file, comments and doc comments left out (they may name anything).
fn code(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The module path of a file under `src` (`store/customers/mod.rs` → `store::customers`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap_or(file);
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts.join("::")
}

/// Every `crate::…` path a file's code names, `use` groups expanded one level
/// (`crate::store::{keys, page}` → `store::keys`, `store::page`) and `super::` resolved.
fn crate_paths(code: &str, module: &str) -> Vec<String> {
    let mut out = Vec::new();
    let parent = module.rsplit_once("::").map(|(p, _)| p).unwrap_or("");
    let code = code.replace("super::", &format!("crate::{parent}::"));
    let code = code.replace("crate::::", "crate::");
    let mut rest = code.as_str();
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        let path: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        let path = path.trim_end_matches(':').to_owned();
        let after = &rest[path.len()..];
        if let (true, Some(group)) = (
            after.trim_start_matches(':').starts_with('{'),
            after.trim_start_matches(':').strip_prefix('{'),
        ) {
            let inner: String = group.chars().take_while(|c| *c != '}').collect();
            for item in inner.split(',') {
                let item = item.trim().split(" as ").next().unwrap_or("").trim();
                let item = item.split("::{").next().unwrap_or("");
                if !item.is_empty() && item != "self" {
                    out.push(format!("{path}::{item}"));
                }
            }
        }
        out.push(path);
    }
    out
}

/// The files of a crate's `src` and, for each, the files it names (by the longest module
/// path it names that is a file); a module naming its own submodules (its facade) is not an
/// arrow.
fn arrows(src: &Path) -> Vec<(String, Vec<String>)> {
    let files = rust_files(src);
    let modules: Vec<String> = files.iter().map(|f| module_of(src, f)).collect();
    let mut out = Vec::new();
    for (file, module) in files.iter().zip(&modules) {
        let mut to = Vec::new();
        for path in crate_paths(&code(file), module) {
            let target = modules
                .iter()
                .filter(|m| !m.is_empty() && (path == **m || path.starts_with(&format!("{m}::"))))
                .max_by_key(|m| m.len());
            if let Some(t) = target {
                let own_child = module.is_empty() || t.starts_with(&format!("{module}::"));
                if t != module && !own_child && !to.contains(t) {
                    to.push(t.clone());
                }
            }
        }
        out.push((module.clone(), to));
    }
    out
}

/// A cycle among the arrows, if there is one.
fn cycle(arrows: &[(String, Vec<String>)]) -> Option<Vec<String>> {
    fn visit(
        at: &str,
        arrows: &[(String, Vec<String>)],
        path: &mut Vec<String>,
        done: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == at) {
            let mut found = path[i..].to_vec();
            found.push(at.to_owned());
            return Some(found);
        }
        if done.iter().any(|d| d == at) {
            return None;
        }
        path.push(at.to_owned());
        let next = arrows
            .iter()
            .find(|(m, _)| m == at)
            .map(|(_, to)| to.clone())
            .unwrap_or_default();
        for n in next {
            if let Some(c) = visit(&n, arrows, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.push(at.to_owned());
        None
    }
    let mut done = Vec::new();
    for (m, _) in arrows {
        if let Some(c) = visit(m, arrows, &mut Vec::new(), &mut done) {
            return Some(c);
        }
    }
    None
}

#[test]
fn no_file_imports_another_that_imports_it_back() {
    for krate in ["shared/src", "functions/src"] {
        let arrows = arrows(&root().join(krate));
        assert!(
            arrows.len() > 10,
            "{krate}: the module walk found too little"
        );
        if let Some(c) = cycle(&arrows) {
            panic!("{krate}: a circle between files: {}", c.join(" → "));
        }
    }
}

#[test]
fn the_domain_names_no_store_adapter_port_or_http() {
    let src = root().join("shared/src");
    for (module, to) in arrows(&src) {
        if !module.starts_with("domain") {
            continue;
        }
        let bad: Vec<&String> = to.iter().filter(|t| !t.starts_with("domain")).collect();
        assert!(bad.is_empty(), "{module} reaches outwards to {bad:?}");
    }
}

/// Handler modules of `functions/src/routes/<group>/`: every file but the group's shared,
/// non-handler ones (how the group reads fields, queries and signatures).
const SHARED_IN_A_GROUP: &[&str] = &["mod", "fields", "query", "signature"];

#[test]
fn no_handler_names_another_handler_a_worker_or_an_adapter() {
    let src = root().join("functions/src");
    let modules: Vec<String> = rust_files(&src)
        .iter()
        .map(|f| module_of(&src, f))
        .collect();
    let handlers: Vec<&String> = modules
        .iter()
        .filter(|m| {
            m.starts_with("routes::")
                && m.matches("::").count() == 2
                && !SHARED_IN_A_GROUP
                    .iter()
                    .any(|s| m.ends_with(&format!("::{s}")))
        })
        .collect();
    assert!(
        handlers.len() >= 30,
        "found only {} handler modules",
        handlers.len()
    );
    for (module, to) in arrows(&src) {
        let is_handler = handlers.contains(&&module);
        for t in &to {
            if is_handler {
                assert!(
                    !handlers.contains(&t),
                    "{module} (a handler) names another handler, {t}"
                );
                assert!(!t.starts_with("workers"), "{module} (a handler) names {t}");
            }
            if module.starts_with("usecases") || module.starts_with("workers") {
                assert!(!t.starts_with("routes"), "{module} names a route, {t}");
            }
            if module.starts_with("usecases") {
                assert!(!t.starts_with("workers"), "{module} names a worker, {t}");
            }
        }
    }
    for dir in ["routes", "workers", "usecases"] {
        let bad = offenders(&format!("functions/src/{dir}"), &["crm_shared::adapters"]);
        assert!(
            bad.is_empty(),
            "{dir} names an adapter:\n{}",
            bad.join("\n")
        );
    }
}

/// Whether `code` has `word` as a whole identifier.
fn names(code: &str, word: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    code.match_indices(word).any(|(at, _)| {
        !code[..at].chars().next_back().is_some_and(ident)
            && !code[at + word.len()..].chars().next().is_some_and(ident)
    })
}

/// The public types the adapters define (`SqliteStore`, `SqsQueue`, `Outbox`…).
fn adapter_types() -> Vec<String> {
    let mut types = Vec::new();
    for file in rust_files(&root().join("shared/src/adapters")) {
        for line in code(&file).lines() {
            for kind in ["pub struct ", "pub enum ", "pub trait ", "pub type "] {
                if let Some(rest) = line.strip_prefix(kind) {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    types.push(name);
                }
            }
        }
    }
    types
}

/// The Lambda wiring (`functions/src/lambda`) is the one place in crm-functions that chooses
/// adapters; handlers, use cases, workers, the context and the bins see ports only (DESIGN §6).
#[test]
fn in_functions_only_the_lambda_wiring_names_adapters() {
    let bad = offenders_outside(
        "functions/src",
        &["functions/src/lambda"],
        &["crm_shared::adapters", "adapters::"],
    );
    assert!(
        bad.is_empty(),
        "handlers reach for adapters (wiring belongs in functions/src/lambda or crm-local):\n{}",
        bad.join("\n")
    );
}

/// What a handler gets names ports only: no adapter module and none of the adapters' types,
/// not even as a default the wiring then replaces.
#[test]
fn the_handlers_context_names_no_adapter() {
    let types = adapter_types();
    assert!(
        types.iter().any(|t| t == "SqliteStore") && types.iter().any(|t| t == "SqsQueue"),
        "the adapters' types were not found: {types:?}"
    );
    let file = root().join("functions/src/context.rs");
    assert!(file.is_file(), "{} is missing", file.display());
    let bad: Vec<String> = code(&file)
        .lines()
        .filter(|line| names(line, "adapters") || types.iter().any(|t| names(line, t)))
        .map(|line| line.trim().to_owned())
        .collect();
    assert!(
        bad.is_empty(),
        "{} names adapters:\n{}",
        file.display(),
        bad.join("\n")
    );
}

/// Roles are enforced in one place, from the route table (`routes::refusal`, run by the local
/// dispatcher and the Lambda serve loop before a handler): no handler checks one itself.
#[test]
fn no_handler_checks_a_role_the_route_table_does() {
    let bad = offenders_outside(
        "functions/src/routes",
        &["functions/src/routes/mod.rs"],
        &["Role::", ".require(", "authorize("],
    );
    assert!(
        bad.is_empty(),
        "a handler checks a role (declare it in shared/src/http/routes.rs instead):\n{}",
        bad.join("\n")
    );
}
