//! The operator CLI's commands on crm-local's SQLite store and on DynamoDB (moto): a tenant
//! created with its owner invited, members added and removed under the API's rules, the
//! webhook secret rotated (and kept sealed), secrets stored in plain text by an earlier version
//! sealed by the migration, the SMS provider's token sealed, the SMS senders a business may use
//! allowed and removed.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use crm_admin::{run, CliError};
use crm_shared::adapters::aws::{self, WarmUp};
use crm_shared::adapters::invite_links::InviteLinks;
use crm_shared::adapters::local_vault::LocalVault;
use crm_shared::adapters::sqlite::SqliteStore;
use crm_shared::domain::secret::{Purpose, Secret, PLATFORM};
use crm_shared::ports::directory::{Directory, SelfSignUp};
use crm_shared::ports::store::Store;
use crm_shared::ports::vault::Vault;
use serde_json::{json, Value};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-07T10:00:00Z")
        .map(|t| t.to_utc())
        .unwrap_or_default()
}

fn args(line: &str) -> Vec<String> {
    // Quoted words stay one argument: `--name "Harbour Spa"`.
    let mut out = Vec::new();
    let mut quoted = false;
    let mut word = String::new();
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' if !quoted => {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
            }
            _ => word.push(c),
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// The store, directory and vault a story runs on.
struct On<'a> {
    store: &'a dyn Store,
    directory: &'a dyn Directory,
    vault: &'a dyn Vault,
}

async fn ok(on: &On<'_>, line: &str) -> Value {
    run(&args(line), on.store, on.directory, on.vault, now())
        .await
        .unwrap_or_else(|e| panic!("{line}: {e}"))
}

async fn refused(on: &On<'_>, line: &str) -> String {
    match run(&args(line), on.store, on.directory, on.vault, now()).await {
        Err(CliError::Refused(why)) => why,
        other => panic!("{line} should be refused, got {other:?}"),
    }
}

/// The whole operator story on one store.
async fn operator_story(on: &On<'_>, link: bool) {
    let store = on.store;
    let created = ok(on, r#"tenant create --name "Harbour Spa" --country IE --time-zone Europe/Dublin --currency EUR --owner Niamh@HarbourSpa.ie"#,
    )
    .await;
    assert_eq!(created["tenant_id"], json!("harbour-spa"), "{created}");
    assert_eq!(created["owner"]["email"], json!("niamh@harbourspa.ie"));
    assert_eq!(created["owner"]["role"], json!("owner"));
    assert_eq!(created["owner"]["status"], json!("invited"));
    if link {
        assert_eq!(
            created["invitation"]["delivery"],
            json!("link"),
            "{created}"
        );
    } else {
        assert_eq!(
            created["invitation"]["delivery"],
            json!("sign_up"),
            "{created}"
        );
    }

    let taken = refused(on, r#"tenant create --name "Harbour Spa" --country IE --time-zone Europe/Dublin --currency EUR --owner x@y.ie"#,
    )
    .await;
    assert!(taken.contains("harbour-spa"), "{taken}");
    let bad = refused(on, r#"tenant create --name "Admin" --country XX --time-zone Mars/Base --currency EUR --owner x@y.ie"#,
    )
    .await;
    assert!(
        bad.contains("country") && bad.contains("time_zone"),
        "{bad}"
    );

    let listed = ok(on, "tenant list").await;
    assert!(
        listed["tenants"]
            .as_array()
            .is_some_and(|t| t.contains(&json!("harbour-spa"))),
        "{listed}"
    );
    let added = ok(
        on,
        "member add harbour-spa ciara@harbourspa.ie --role admin",
    )
    .await;
    assert_eq!(added["member"]["role"], json!("admin"), "{added}");
    let again = refused(on, "member add harbour-spa ciara@harbourspa.ie").await;
    assert!(again.contains("already a member"), "{again}");
    let members = ok(on, "member list harbour-spa").await;
    assert_eq!(
        members["members"].as_array().map(Vec::len),
        Some(2),
        "{members}"
    );

    // The last owner stays (the operator removes under the same rule as the API).
    let last = refused(on, "member remove harbour-spa niamh@harbourspa.ie").await;
    assert!(last.contains("owner"), "{last}");
    let removed = ok(on, "member remove harbour-spa ciara@harbourspa.ie").await;
    assert_eq!(removed["removed"]["status"], json!("removed"), "{removed}");
    let shown = ok(on, "tenant show harbour-spa").await;
    assert_eq!(
        shown["members"].as_array().map(Vec::len),
        Some(1),
        "{shown}"
    );
    assert_eq!(shown["webhook_secret_set"], json!(false));

    let rotated = ok(on, "webhook-secret rotate harbour-spa").await;
    let secret = rotated["webhook_secret"].as_str().unwrap_or_default();
    assert_eq!(secret.len(), 64, "{rotated}");
    let settings = crm_shared::store::tenants::get(store, "harbour-spa")
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("the tenant"));
    let stored = settings
        .webhook_secret
        .unwrap_or_else(|| panic!("a webhook secret"));
    assert!(stored.is_sealed(), "kept sealed");
    assert!(!stored.stored().contains(secret));
    let opened = on
        .vault
        .open("harbour-spa", Purpose::Webhook, &stored)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(opened, secret);
    let next = ok(on, "webhook-secret rotate harbour-spa").await;
    assert_ne!(next["webhook_secret"], rotated["webhook_secret"]);
    assert!(refused(on, "webhook-secret rotate nobody")
        .await
        .contains("no tenant"));
    assert!(matches!(
        run(
            &args("tenant frobnicate"),
            store,
            on.directory,
            on.vault,
            now()
        )
        .await,
        Err(CliError::Usage(_))
    ));

    // A secret an earlier version stored in plain text is sealed by the migration, once.
    let mut legacy = crm_shared::store::tenants::get(store, "harbour-spa")
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("the tenant"));
    legacy.webhook_secret = Some(Secret::plain("legacy-plain-secret-0001"));
    let (_, version) = crm_shared::store::tenants::versioned(store, "harbour-spa")
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("the tenant"));
    crm_shared::store::tenants::put(store, &legacy, version)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let migrated = ok(on, "migrate secrets").await;
    assert_eq!(migrated["sealed"], json!(["harbour-spa"]), "{migrated}");
    assert_eq!(ok(on, "migrate secrets").await["sealed"], json!([]));
    let sealed = crm_shared::store::tenants::get(store, "harbour-spa")
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .and_then(|s| s.webhook_secret)
        .unwrap_or_else(|| panic!("a webhook secret"));
    assert!(sealed.is_sealed() && !sealed.stored().contains("legacy-plain"));
    assert_eq!(
        on.vault
            .open("harbour-spa", Purpose::Webhook, &sealed)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        "legacy-plain-secret-0001"
    );

    // The SMS provider's token, sealed for the stack's parameter, opens as the platform's only.
    let token = crm_admin::seal_sms_token(on.vault, "twilio-auth-token-1234\n")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let token = Secret::sealed(token["sealed"].as_str().unwrap_or_default().to_owned());
    assert!(token.is_sealed());
    assert_eq!(
        on.vault
            .open(PLATFORM, Purpose::SmsProvider, &token)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        "twilio-auth-token-1234"
    );
    assert!(on
        .vault
        .open("harbour-spa", Purpose::SmsProvider, &token)
        .await
        .is_err());

    // The senders a business may text from are the operator's to allow.
    ok(on, "sms-sender allow harbour-spa +353870001111").await;
    let both = ok(on, "sms-sender allow harbour-spa MG0123456789abcdef").await;
    assert_eq!(
        both["sms_senders"],
        json!(["+353870001111", "MG0123456789abcdef"])
    );
    let left = ok(on, "sms-sender remove harbour-spa +353870001111").await;
    assert_eq!(left["sms_senders"], json!(["MG0123456789abcdef"]));
    let listed = ok(on, "sms-sender list harbour-spa").await;
    assert_eq!(listed, left);
    // Each allowed sender knows who shares it (a STOP on it reaches them all).
    let sharing = |sender: &'static str| crm_shared::store::senders::sharing(store, sender);
    assert_eq!(
        sharing("MG0123456789abcdef").await.unwrap_or_default(),
        vec!["harbour-spa".to_owned()]
    );
    assert!(sharing("+353870001111")
        .await
        .unwrap_or_default()
        .is_empty());
    let indexed = ok(on, "migrate sms-senders").await;
    assert_eq!(indexed["indexed"]["harbour-spa"], json!(1), "{indexed}");
    assert!(refused(on, "sms-sender list nobody")
        .await
        .contains("no tenant"));
    // Nothing stored by an earlier version here: every business is looked at, none folded.
    let migrated = ok(on, "migrate contact-tasks").await;
    assert_eq!(migrated["folded"]["harbour-spa"], json!(0), "{migrated}");
}

#[tokio::test]
async fn the_operator_sets_up_and_staffs_a_business_on_the_local_store() {
    let store = Arc::new(SqliteStore::in_memory().unwrap_or_else(|e| panic!("{e}")));
    let links = InviteLinks::new(store.clone(), "http://127.0.0.1:3000");
    let vault = LocalVault::ephemeral();
    let on = On {
        store: store.as_ref(),
        directory: &links,
        vault: &vault,
    };
    operator_story(&on, true).await;
}

#[tokio::test]
async fn the_operator_sets_up_and_staffs_a_business_on_dynamodb() {
    assert!(
        std::env::var("AWS_ENDPOINT_URL").is_ok_and(|u| !u.is_empty()),
        "this test runs against moto: set AWS_ENDPOINT_URL (scripts/test does)"
    );
    let table = format!("crm-admin-{}", ulid::Ulid::new().to_string().to_lowercase());
    let adapters = aws::connect(&table, "", Default::default(), WarmUp::No).await;
    adapters
        .store
        .create_table()
        .await
        .unwrap_or_else(|e| panic!("create table on moto: {e}"));
    let key = adapters
        .create_vault_key()
        .await
        .unwrap_or_else(|e| panic!("create a KMS key on moto: {e}"));
    let vault = adapters.vault(&key);
    let on = On {
        store: &adapters.store,
        directory: &SelfSignUp,
        vault: &vault,
    };
    operator_story(&on, false).await;
}
