//! crm-bench: Pipeline CRM benchmarks, run by `scripts/bench`.
//!
//!   crm-bench capture [--secs S] [--threads T] [--connections C,C…] [--rounds R] [--cold-runs N]
//!                     [--captures N] [--out FILE] [--moto PATH] [--capture-bin PATH]
//!
//! `capture` measures, each beside a baseline measured in the same run:
//!   (a) capacity units and dollars per captured lead (capacity meter, list prices);
//!   (b) captures per second of the local server under wrk, every 201 durable on disk;
//!   (c) cold start of the capture_lead Lambda binary against a Runtime API stub.
//!
//!   crm-bench customers [--sqlite N] [--moto-customers N] [--out FILE] [--moto PATH]
//!
//! `customers` measures customer list pages (every sort order) and searches at 100k customers
//! in SQLite and 10k in moto: p50/p95 and read units per page, and their ratio.
//!
//!   crm-bench jobs [--sizes 1000,10000,100000] [--out FILE]
//!
//! `jobs` runs segment_refresh, milestones and stale_leads once on tenants of each size with
//! 1 % due, on SQLite: index entries read against items due, read units, wall time, and the
//! ratios of wall time per due item across sizes.

mod cold;
mod common;
mod customers;
mod imports;
mod jobs;
mod load;
mod moto;
mod report;
mod units;

use std::path::PathBuf;

use common::{Payload, Result};

struct Options {
    secs: u32,
    threads: u32,
    /// Connection levels of part (b); the last is the saturation level the target is read at.
    connections: Vec<u32>,
    rounds: u32,
    cold_runs: usize,
    captures: usize,
    out: PathBuf,
    moto: PathBuf,
    capture_bin: PathBuf,
    /// Parts to run: any of `a`, `b`, `c` (all by default).
    only: String,
}

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn options(args: &[String]) -> Result<Options> {
    let num = |name: &str, default: u64| -> Result<u64> {
        match flag(args, name) {
            Some(v) => v
                .parse()
                .map_err(|_| format!("{name} takes a number, not `{v}`").into()),
            None => Ok(default),
        }
    };
    let path = |name: &str, default: &str| {
        PathBuf::from(flag(args, name).unwrap_or_else(|| default.to_owned()))
    };
    Ok(Options {
        secs: num("--secs", 10)? as u32,
        threads: num("--threads", 2)? as u32,
        connections: flag(args, "--connections")
            .unwrap_or_else(|| "32,256".into())
            .split(',')
            .map(|c| {
                c.trim()
                    .parse::<u32>()
                    .map_err(|_| format!("--connections takes numbers like 32,256, not `{c}`"))
            })
            .collect::<std::result::Result<Vec<_>, _>>()?,
        rounds: num("--rounds", 3)? as u32,
        cold_runs: num("--cold-runs", 7)? as usize,
        captures: num("--captures", 200)? as usize,
        out: path("--out", "bench-results/capture.txt"),
        moto: path("--moto", ".venv/bin/moto_server"),
        capture_bin: path("--capture-bin", "target/release/bootstrap"),
        only: flag(args, "--only").unwrap_or_else(|| "abc".into()),
    })
}

/// A binary built beside this one (same profile).
fn sibling(name: &str) -> Result<PathBuf> {
    let me = std::env::current_exe()?;
    let path = me.with_file_name(name);
    if !path.exists() {
        return Err(format!("{} is missing: build the crm-bench package", path.display()).into());
    }
    Ok(path)
}

fn progress(text: &str) {
    eprintln!("crm-bench: {text}");
}

async fn capture(o: Options) -> Result<()> {
    let (part_a, part_b, part_c) = (
        o.only.contains('a'),
        o.only.contains('b'),
        o.only.contains('c'),
    );
    if part_a || part_c {
        for (what, p) in [
            ("moto_server", &o.moto),
            ("capture_lead binary", &o.capture_bin),
        ] {
            if !p.exists() {
                return Err(format!("{what} not found at {}", p.display()).into());
            }
        }
    }

    let mut unit_reports = Vec::new();
    if part_a {
        progress("(a) capacity units per lead (SQLite store's capacity meter)");
        for payload in [Payload::MetaAd, Payload::Minimal] {
            unit_reports.push(units::measure(payload, o.captures, &[1, 10]).await?);
        }
    }

    let mut times = None;
    let mut load = None;
    let mut cold = Vec::new();
    let moto = if part_a || part_c {
        progress("starting moto for the AWS adapters");
        Some(moto::Moto::start(&o.moto).await?)
    } else {
        None
    };
    let result = async {
        if let (true, Some(moto)) = (part_a, &moto) {
            progress("(a) handler durations through the AWS adapters on moto");
            times = Some(moto::time_handlers(moto, Payload::MetaAd, 100).await?);
        }
        if part_b {
            load =
                Some(load::measure(o.secs, o.threads, &o.connections, o.rounds, progress).await?);
        }
        if let (true, Some(moto)) = (part_c, &moto) {
            progress(&format!("(c) cold starts, {} of each binary", o.cold_runs));
            cold = cold::measure(&cold_targets(&o, moto)?, o.cold_runs, cold::event_for).await?;
        }
        Ok::<_, common::Error>(())
    }
    .await;
    if let Some(moto) = moto {
        moto.stop().await;
    }
    result?;

    let binary_bytes = std::fs::metadata(&o.capture_bin)
        .map(|m| m.len())
        .unwrap_or(0);
    let text = report::render(&report::Input {
        units: &unit_reports,
        times,
        load,
        cold: &cold,
        capture_binary_bytes: binary_bytes,
    });
    print!("{text}");
    if let Some(dir) = o.out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&o.out, &text)?;
    progress(&format!("results written to {}", o.out.display()));
    Ok(())
}

/// The binaries of part (c): the baseline, the function as built, and its init phase by phase
/// with init awaiting the warm-up read, and with the SDK's default trust store (the system CA
/// bundle, read from the file `SSL_CERT_FILE` names) instead of Amazon's roots.
fn cold_targets(o: &Options, moto: &moto::Moto) -> Result<Vec<cold::Target>> {
    let hello = sibling("hello_lambda")?;
    let phases = sibling("capture_phases")?;
    let env = cold::capture_env(&moto.endpoint(), moto::TABLE, moto::BUS);
    let with = |extra: &[(&str, &str)]| {
        let mut e = env.clone();
        e.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        e
    };
    Ok(vec![
        cold::Target {
            label: cold::HELLO.into(),
            binary: hello,
            env: Vec::new(),
        },
        cold::Target {
            label: cold::CAPTURE.into(),
            binary: o.capture_bin.clone(),
            env: env.clone(),
        },
        cold::Target {
            label: cold::PHASES.into(),
            binary: phases.clone(),
            env: env.clone(),
        },
        cold::Target {
            label: cold::AWAIT_WARMUP.into(),
            binary: phases.clone(),
            env: with(&[("BENCH_AWAIT_WARMUP", "1")]),
        },
        cold::Target {
            label: cold::NATIVE_ROOTS.into(),
            binary: phases.clone(),
            env: with(
                &[("BENCH_NATIVE_ROOTS", "1")]
                    .into_iter()
                    .chain(cold::ca_bundle().map(|b| ("SSL_CERT_FILE", b)))
                    .collect::<Vec<_>>(),
            ),
        },
        cold::Target {
            label: cold::PRELOAD_PHONE.into(),
            binary: phases,
            env: with(&[("BENCH_PRELOAD_PHONE", "1")]),
        },
    ])
}

/// The same allocator as the crm-local binary, whose server this process hosts for part (b)
/// (the baseline server shares it, so the ratio compares like with like).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

async fn customers_bench(args: &[String]) -> Result<()> {
    let num = |name: &str, default: u64| -> Result<u64> {
        flag(args, name)
            .map(|v| {
                v.parse()
                    .map_err(|_| format!("{name} takes a number, not `{v}`"))
            })
            .transpose()
            .map(|v| v.unwrap_or(default))
            .map_err(Into::into)
    };
    let big = num("--sqlite", 100_000)?;
    let small = num("--moto-customers", 10_000)?;
    let out =
        PathBuf::from(flag(args, "--out").unwrap_or_else(|| "bench-results/customers.txt".into()));
    let moto_path =
        PathBuf::from(flag(args, "--moto").unwrap_or_else(|| ".venv/bin/moto_server".into()));
    let sqlite = customers::sqlite(big).await?;
    progress("starting moto for the DynamoDB adapter");
    let moto = moto::Moto::start(&moto_path).await?;
    let dynamo = customers::moto(&moto, small).await;
    moto.stop().await;
    let text = customers::render(&sqlite, &dynamo?);
    print!("{text}");
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&out, &text)?;
    progress(&format!("results written to {}", out.display()));
    Ok(())
}

/// `--sizes a,b,c` (or `default`), as numbers.
fn sizes_flag(args: &[String], default: &str) -> Result<Vec<u64>> {
    Ok(flag(args, "--sizes")
        .unwrap_or_else(|| default.into())
        .split(',')
        .map(|v| {
            v.trim()
                .parse()
                .map_err(|_| format!("--sizes takes numbers, not `{v}`"))
        })
        .collect::<std::result::Result<_, _>>()?)
}

async fn jobs_bench(args: &[String]) -> Result<()> {
    let sizes = sizes_flag(args, "1000,10000,100000")?;
    let out = PathBuf::from(flag(args, "--out").unwrap_or_else(|| "bench-results/jobs.txt".into()));
    let rows = jobs::measure(&sizes).await?;
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let text = jobs::render(&rows, profile);
    print!("{text}");
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&out, &text)?;
    progress(&format!("results written to {}", out.display()));
    Ok(())
}

async fn imports_bench(args: &[String]) -> Result<()> {
    let sizes = sizes_flag(args, "10000,100000")?;
    let moto_rows: u64 = flag(args, "--moto-rows")
        .unwrap_or_else(|| "200".into())
        .parse()
        .map_err(|_| "--moto-rows takes a number")?;
    let out =
        PathBuf::from(flag(args, "--out").unwrap_or_else(|| "bench-results/imports.txt".into()));
    progress("(imports) baseline: customers made one by one as POST /customers makes them");
    let api_units = imports::api_baseline(2_000).await?;
    let mut rows = Vec::new();
    for n in sizes {
        progress(&format!("(imports) {n} rows on SQLite"));
        rows.push(imports::sqlite(n).await?);
    }
    if moto_rows > 0 {
        let moto_server =
            flag(args, "--moto-server").unwrap_or_else(|| ".venv/bin/moto_server".into());
        let moto = moto::Moto::start(std::path::Path::new(&moto_server)).await?;
        progress(&format!(
            "(imports) {moto_rows} rows on moto through the consumer"
        ));
        let row = imports::moto(&moto, moto_rows).await;
        moto.stop().await;
        rows.push(row?);
    }
    progress("(imports) merging two customers with 1,000 bookings each");
    let merged = imports::merge(1_000).await?;
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let text = imports::render(&rows, api_units, Some(merged), profile);
    print!("{text}");
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&out, &text)?;
    progress(&format!("results written to {}", out.display()));
    Ok(())
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match args.first().map(String::as_str) {
        Some("capture") => runtime.block_on(capture(options(&args[1..])?)),
        Some("customers") => runtime.block_on(customers_bench(&args[1..])),
        Some("jobs") => runtime.block_on(jobs_bench(&args[1..])),
        Some("imports") => runtime.block_on(imports_bench(&args[1..])),
        _ => Err("usage: crm-bench capture [--secs S] [--threads T] [--connections C] [--cold-runs N] [--captures N] [--out FILE]".into()),
    }
}
