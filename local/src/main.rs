//! crm-local command line:
//!   crm-local                      serve on 127.0.0.1:$PORT (default 3000)
//!   crm-local routes               print the route table, worker list and table definition
//!   crm-local openapi              print the OpenAPI document `GET /openapi.json` serves
//!   crm-local token --tenant T --role R [--sub S] [--hours H]
//!                                  print a bearer token the local server accepts
//!   crm-local job NAME             run one job now (stale_leads, segment_refresh, milestones,
//!                                  count_leads) on the data dir, print its answer and events

use crm_local::LocalConfig;
use crm_shared::adapters::meta_capi::MetaCapi;
use crm_shared::http::auth::{Claims, Role};
use crm_shared::http::routes::{Access, ROUTES, WORKERS};
use crm_shared::ports::capi::ConversionsApi;
use crm_shared::ports::store::table;
use serde_json::json;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// mimalloc: the server allocates per request (JSON events, items); glibc malloc took about
/// 15 % of its CPU under load (scripts/bench capture, perf).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn routes_json() -> serde_json::Value {
    json!({
        "routes": ROUTES.iter().map(|r| json!({
            "method": r.method,
            "path": r.path,
            "function": r.function,
            "access": match r.access { Access::Public => "public", Access::Person => "person", Access::Admin(role) => role.as_str() },
        })).collect::<Vec<_>>(),
        "workers": WORKERS,
        "booking_source": crm_shared::ports::bus::BOOKING_SOURCE,
        "table": {
            "name": table::DEFAULT_NAME,
            "gsis": (1..=table::GSI_COUNT).map(|n| json!({"name": table::gsi_name(n), "pk": table::gsi_pk(n), "sk": table::gsi_sk(n)})).collect::<Vec<_>>(),
            "ttl": crm_shared::ports::store::EXPIRES_AT,
        }
    })
}

fn token(args: &[String]) -> Result<String, Error> {
    let tenant = flag(args, "--tenant").unwrap_or_else(|| "demo".into());
    let role_text = flag(args, "--role").unwrap_or_else(|| "owner".into());
    let role = Role::parse(&role_text)
        .ok_or_else(|| format!("--role must be owner, admin or staff, not {role_text}"))?;
    let sub = flag(args, "--sub").unwrap_or_else(|| format!("{}-user", role.as_str()));
    let hours: i64 = flag(args, "--hours")
        .map(|h| h.parse())
        .transpose()?
        .unwrap_or(24 * 30);
    let config = LocalConfig::from_env()?;
    let secret = config.jwt_secret()?;
    let claims = Claims {
        tenant_id: tenant,
        role,
        sub,
        membership: None,
    };
    Ok(crm_shared::http::token::issue(
        &claims,
        &secret,
        chrono::Utc::now().timestamp(),
        hours * 3600,
    )?)
}

/// `META_GRAPH_URL` set: conversion events go to that Graph API (Meta's, or a stub);
/// unset: they are recorded in memory and nothing leaves the machine.
fn meta_capi() -> Result<Option<std::sync::Arc<dyn ConversionsApi>>, Error> {
    match std::env::var("META_GRAPH_URL") {
        Ok(url) if !url.trim().is_empty() => Ok(Some(std::sync::Arc::new(MetaCapi::new(&url)?))),
        _ => Ok(None),
    }
}

/// Runs one job on the data dir's store, in this process, wired as the server is
/// (`crm_local::embedded`): SQLite in WAL mode with a busy timeout lets it share the file with
/// a running server, and the jobs are idempotent, so a run racing the server's own timer
/// changes nothing twice. The events it publishes go to this process's bus (nothing local
/// subscribes to the jobs' events) and are printed.
async fn job(args: &[String]) -> Result<serde_json::Value, Error> {
    let name = args
        .get(1)
        .ok_or_else(|| format!("job NAME, NAME one of {:?}", crm_local::workers::JOBS))?;
    let config = LocalConfig::from_env()?;
    let crm_local::embedded::Embedded { ctx, bus, .. } = crm_local::embedded::open(
        &config,
        std::sync::Arc::new(crm_shared::ports::clock::SystemClock),
        meta_capi()?,
    )?;
    let answer = crm_local::workers::run_job(&ctx, name).await?;
    let events: Vec<serde_json::Value> = bus
        .published()
        .into_iter()
        .map(|e| json!({"detail-type": e.detail_type, "detail": e.detail}))
        .collect();
    Ok(json!({"job": name, "answer": answer, "events": events}))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("routes") => {
            println!("{}", serde_json::to_string_pretty(&routes_json())?);
            Ok(())
        }
        Some("openapi") => {
            println!(
                "{}",
                serde_json::to_string_pretty(&crm_functions::api_doc::document())?
            );
            Ok(())
        }
        Some("token") => {
            println!("{}", token(&args)?);
            Ok(())
        }
        Some("job") => {
            println!("{}", serde_json::to_string_pretty(&job(&args).await?)?);
            Ok(())
        }
        None | Some("serve") => {
            tracing_subscriber::fmt()
                .with_env_filter(
                    tracing_subscriber::EnvFilter::try_from_default_env()
                        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
                )
                .init();
            let server = crm_local::start_with_capi(
                LocalConfig::from_env()?,
                std::sync::Arc::new(crm_shared::ports::clock::SystemClock),
                meta_capi()?,
            )
            .await?;
            println!("Pipeline CRM on {}  (admin API token: scripts/dev token --tenant demo --role owner)", server.url());
            crm_local::signal().await;
            tracing::info!("shutting down: finishing requests in flight");
            server.shutdown().await?;
            Ok(())
        }
        Some(other) => Err(format!(
            "unknown command `{other}`; use serve, routes, openapi, token or job"
        )
        .into()),
    }
}
