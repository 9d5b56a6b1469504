//! `crm-admin`: the operator CLI (see the library for the commands). Wiring only: the store
//! is crm-local's data dir (`--data-dir`, `CRM_DATA_DIR`) or a deployment's table
//! (`TABLE_NAME` and the usual AWS credentials), and people are let in by an invite link
//! locally, by Cognito's email with `USER_POOL_ID`, or else by signing up themselves.

use std::path::PathBuf;
use std::sync::Arc;

use crm_admin::{run, CliError, USAGE};
use crm_shared::adapters::aws::{self, WarmUp};
use crm_shared::adapters::invite_links::InviteLinks;
use crm_shared::adapters::local_vault::{self, LocalVault};
use crm_shared::adapters::sqlite::SqliteStore;
use crm_shared::ports::clock::{Clock, SystemClock};
use crm_shared::ports::directory::{Directory, SelfSignUp};
use crm_shared::ports::store::Store;
use crm_shared::ports::vault::{self, Vault};

type Error = Box<dyn std::error::Error + Send + Sync>;

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

type Wiring = (Arc<dyn Store>, Arc<dyn Directory>, Arc<dyn Vault>);

async fn wiring(args: &[String]) -> Result<Wiring, Error> {
    let data_dir = flag(args, "--data-dir").or_else(|| env("CRM_DATA_DIR"));
    match (data_dir, env("TABLE_NAME")) {
        (Some(dir), _) => {
            let dir = PathBuf::from(dir);
            let store = Arc::new(SqliteStore::open(&dir.join("crm.sqlite3"))?);
            let base = env("CRM_PUBLIC_URL").unwrap_or_else(|| "http://127.0.0.1:3000".into());
            let links = InviteLinks::new(store.clone(), &base);
            let vault = LocalVault::open_or_create(&dir.join(local_vault::KEY_FILE))?;
            Ok((store, Arc::new(links), Arc::new(vault)))
        }
        (None, Some(table)) => {
            let adapters = aws::connect(&table, "", Default::default(), WarmUp::No).await;
            // With the stack's user pool (`USER_POOL_ID`, its output `UserPoolId`), Cognito
            // emails each new member a temporary password; without, they sign up themselves.
            let directory: Arc<dyn Directory> = match env("USER_POOL_ID") {
                Some(pool) => Arc::new(adapters.directory(&pool)),
                None => Arc::new(SelfSignUp),
            };
            // With the stack's key (`SECRETS_KEY_ID`, its output `SecretsKeyId`) secrets are
            // sealed by KMS; without, commands that seal are refused.
            let vault: Arc<dyn Vault> = match env("SECRETS_KEY_ID") {
                Some(key) => Arc::new(adapters.vault(&key)),
                None => Arc::new(vault::Unconfigured),
            };
            Ok((Arc::new(adapters.store), directory, vault))
        }
        (None, None) => Err(format!(
            "no store: pass --data-dir (or set CRM_DATA_DIR) or set TABLE_NAME\n\n{USAGE}"
        )
        .into()),
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() || args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return;
    }
    let outcome = async {
        let (store, directory, vault) = wiring(&args).await?;
        let answer = run(
            &args,
            store.as_ref(),
            directory.as_ref(),
            vault.as_ref(),
            SystemClock.now(),
        )
        .await?;
        Ok::<_, Error>(answer)
    }
    .await;
    match outcome {
        Ok(answer) => println!(
            "{}",
            serde_json::to_string_pretty(&answer).unwrap_or_default()
        ),
        Err(e) => {
            eprintln!("crm-admin: {e}");
            let code = match e.downcast_ref::<CliError>() {
                Some(CliError::Usage(_)) => 2,
                _ => 1,
            };
            std::process::exit(code);
        }
    }
}
