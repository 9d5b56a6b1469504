//! The operator CLI's commands on crm-local's SQLite store and on DynamoDB (moto): a tenant
//! created with its owner invited, members added and removed under the API's rules, the
//! webhook secret rotated, the SMS senders a business may use allowed and removed.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use crm_admin::{run, CliError};
use crm_shared::adapters::aws::{self, WarmUp};
use crm_shared::adapters::invite_links::InviteLinks;
use crm_shared::adapters::sqlite::SqliteStore;
use crm_shared::ports::directory::{Directory, SelfSignUp};
use crm_shared::ports::store::Store;
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

async fn ok(store: &dyn Store, directory: &dyn Directory, line: &str) -> Value {
    run(&args(line), store, directory, now())
        .await
        .unwrap_or_else(|e| panic!("{line}: {e}"))
}

async fn refused(store: &dyn Store, directory: &dyn Directory, line: &str) -> String {
    match run(&args(line), store, directory, now()).await {
        Err(CliError::Refused(why)) => why,
        other => panic!("{line} should be refused, got {other:?}"),
    }
}

/// The whole operator story on one store.
async fn operator_story(store: &dyn Store, directory: &dyn Directory, link: bool) {
    let created = ok(
        store,
        directory,
        r#"tenant create --name "Harbour Spa" --country IE --time-zone Europe/Dublin --currency EUR --owner Niamh@HarbourSpa.ie"#,
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

    let taken = refused(
        store,
        directory,
        r#"tenant create --name "Harbour Spa" --country IE --time-zone Europe/Dublin --currency EUR --owner x@y.ie"#,
    )
    .await;
    assert!(taken.contains("harbour-spa"), "{taken}");
    let bad = refused(
        store,
        directory,
        r#"tenant create --name "Admin" --country XX --time-zone Mars/Base --currency EUR --owner x@y.ie"#,
    )
    .await;
    assert!(
        bad.contains("country") && bad.contains("time_zone"),
        "{bad}"
    );

    let listed = ok(store, directory, "tenant list").await;
    assert!(
        listed["tenants"]
            .as_array()
            .is_some_and(|t| t.contains(&json!("harbour-spa"))),
        "{listed}"
    );
    let added = ok(
        store,
        directory,
        "member add harbour-spa ciara@harbourspa.ie --role admin",
    )
    .await;
    assert_eq!(added["member"]["role"], json!("admin"), "{added}");
    let again = refused(
        store,
        directory,
        "member add harbour-spa ciara@harbourspa.ie",
    )
    .await;
    assert!(again.contains("already a member"), "{again}");
    let members = ok(store, directory, "member list harbour-spa").await;
    assert_eq!(
        members["members"].as_array().map(Vec::len),
        Some(2),
        "{members}"
    );

    // The last owner stays (the operator removes under the same rule as the API).
    let last = refused(
        store,
        directory,
        "member remove harbour-spa niamh@harbourspa.ie",
    )
    .await;
    assert!(last.contains("owner"), "{last}");
    let removed = ok(
        store,
        directory,
        "member remove harbour-spa ciara@harbourspa.ie",
    )
    .await;
    assert_eq!(removed["removed"]["status"], json!("removed"), "{removed}");
    let shown = ok(store, directory, "tenant show harbour-spa").await;
    assert_eq!(
        shown["members"].as_array().map(Vec::len),
        Some(1),
        "{shown}"
    );
    assert_eq!(shown["webhook_secret_set"], json!(false));

    let rotated = ok(store, directory, "webhook-secret rotate harbour-spa").await;
    let secret = rotated["webhook_secret"].as_str().unwrap_or_default();
    assert_eq!(secret.len(), 64, "{rotated}");
    let settings = crm_shared::store::tenants::get(store, "harbour-spa")
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("the tenant"));
    assert_eq!(settings.webhook_secret.as_deref(), Some(secret));
    let next = ok(store, directory, "webhook-secret rotate harbour-spa").await;
    assert_ne!(next["webhook_secret"], rotated["webhook_secret"]);
    assert!(refused(store, directory, "webhook-secret rotate nobody")
        .await
        .contains("no tenant"));
    assert!(matches!(
        run(&args("tenant frobnicate"), store, directory, now()).await,
        Err(CliError::Usage(_))
    ));

    // The senders a business may text from are the operator's to allow.
    ok(
        store,
        directory,
        "sms-sender allow harbour-spa +353870001111",
    )
    .await;
    let both = ok(
        store,
        directory,
        "sms-sender allow harbour-spa MG0123456789abcdef",
    )
    .await;
    assert_eq!(
        both["sms_senders"],
        json!(["+353870001111", "MG0123456789abcdef"])
    );
    let left = ok(
        store,
        directory,
        "sms-sender remove harbour-spa +353870001111",
    )
    .await;
    assert_eq!(left["sms_senders"], json!(["MG0123456789abcdef"]));
    let listed = ok(store, directory, "sms-sender list harbour-spa").await;
    assert_eq!(listed, left);
    assert!(refused(store, directory, "sms-sender list nobody")
        .await
        .contains("no tenant"));
    // Nothing stored by an earlier version here: every business is looked at, none folded.
    let migrated = ok(store, directory, "migrate contact-tasks").await;
    assert_eq!(migrated["folded"]["harbour-spa"], json!(0), "{migrated}");
}

#[tokio::test]
async fn the_operator_sets_up_and_staffs_a_business_on_the_local_store() {
    let store = Arc::new(SqliteStore::in_memory().unwrap_or_else(|e| panic!("{e}")));
    let links = InviteLinks::new(store.clone(), "http://127.0.0.1:3000");
    operator_story(store.as_ref(), &links, true).await;
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
    operator_story(&adapters.store, &SelfSignUp, false).await;
}
