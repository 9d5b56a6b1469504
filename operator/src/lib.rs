//! The operator's commands (people running the platform for many businesses), on any store:
//!
//! ```text
//! crm-admin tenant create --name NAME --country CC --time-zone ZONE --currency CUR --owner EMAIL
//! crm-admin tenant list
//! crm-admin tenant show TENANT
//! crm-admin member add TENANT EMAIL [--role owner|admin|staff]
//! crm-admin member list TENANT
//! crm-admin member remove TENANT EMAIL
//! crm-admin webhook-secret rotate TENANT
//! crm-admin sms-sender allow TENANT SENDER
//! crm-admin sms-sender remove TENANT SENDER
//! crm-admin sms-sender list TENANT
//! crm-admin migrate contact-tasks
//! crm-admin migrate secrets
//! crm-admin migrate sms-senders
//! crm-admin seal sms-token < token
//! ```
//!
//! A new owner or member is let in by the directory: a one-time link on one machine, the
//! identity provider in the cloud. The business rules are the API's (reserved and taken
//! names, one membership per email, the last owner stays).

use chrono::{DateTime, Utc};
use crm_functions::usecases::onboarding::{self, Owner};
use crm_shared::domain::member::{InvitePurpose, Member, MemberStatus, Role};
use crm_shared::domain::secret::{self, Purpose, Secret};
use crm_shared::domain::tenant::NewBusiness;
use crm_shared::domain::validation::Fields;
use crm_shared::http::problem::ApiError;
use crm_shared::ports::directory::{Directory, Invitation};
use crm_shared::ports::store::{Store, StoreError};
use crm_shared::ports::vault::{Vault, VaultError};
use crm_shared::store::members::{self, MemberError};
use crm_shared::store::tenants::{self, SettingsChangeError};
use crm_shared::store::{senders, tasks};
use serde_json::{json, Map, Value};

/// How the operator actor is named on what they do.
pub const OPERATOR: &str = "operator";

pub const USAGE: &str = "usage:
  crm-admin tenant create --name NAME --country CC --time-zone ZONE --currency CUR --owner EMAIL
  crm-admin tenant list
  crm-admin tenant show TENANT
  crm-admin member add TENANT EMAIL [--role owner|admin|staff]
  crm-admin member list TENANT
  crm-admin member remove TENANT EMAIL
  crm-admin webhook-secret rotate TENANT
  crm-admin sms-sender allow|remove TENANT SENDER   (a number or messaging service id)
  crm-admin sms-sender list TENANT
  crm-admin migrate contact-tasks   (fold tasks stored as items by earlier versions into their leads)
  crm-admin migrate secrets   (seal webhook secrets and Meta tokens stored in plain text by earlier versions)
  crm-admin migrate sms-senders   (index the senders allowed before shared senders were indexed)
  crm-admin seal sms-token   (reads the SMS provider's auth token on standard input; prints it
                              sealed, for the stack's TwilioAuthToken parameter)
Store: --data-dir DIR (or CRM_DATA_DIR) for crm-local's SQLite file; TABLE_NAME with AWS
credentials (AWS_REGION, AWS_PROFILE…) for a deployment's DynamoDB table.
Vault: the data dir's key file; SECRETS_KEY_ID (the stack's output SecretsKeyId) for a deployment.";

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}\n\n{USAGE}")]
    Usage(String),
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl From<SettingsChangeError> for CliError {
    fn from(e: SettingsChangeError) -> Self {
        match e {
            SettingsChangeError::Store(s) => s.into(),
            SettingsChangeError::Vault(v) => v.into(),
            other => CliError::Refused(other.to_string()),
        }
    }
}

impl From<ApiError> for CliError {
    fn from(e: ApiError) -> Self {
        let body = e.body();
        let mut text = body["detail"].as_str().unwrap_or("refused").to_owned();
        if let Some(errors) = body["errors"].as_array() {
            for err in errors {
                text.push_str(&format!(
                    "\n  {}: {}",
                    err["field"].as_str().unwrap_or(""),
                    err["reason"].as_str().unwrap_or("")
                ));
            }
        }
        CliError::Refused(text)
    }
}

impl From<MemberError> for CliError {
    fn from(e: MemberError) -> Self {
        ApiError::from(e).into()
    }
}

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

/// The positional arguments (flags and their values left out).
fn positional(args: &[String]) -> Vec<&str> {
    let mut out = Vec::new();
    let mut skip = false;
    for a in args {
        if skip {
            skip = false;
        } else if a.starts_with("--") {
            skip = true;
        } else {
            out.push(a.as_str());
        }
    }
    out
}

fn need<'a>(list: &[&'a str], at: usize, what: &str) -> Result<&'a str, CliError> {
    list.get(at)
        .copied()
        .ok_or_else(|| CliError::Usage(format!("missing {what}")))
}

/// Runs `args` (without the program name) on `store`, letting people in through `directory`
/// and sealing secrets with `vault`; the answer as JSON.
pub async fn run(
    args: &[String],
    store: &dyn Store,
    directory: &dyn Directory,
    vault: &dyn Vault,
    now: DateTime<Utc>,
) -> Result<Value, CliError> {
    let words = positional(args);
    match (words.first().copied(), words.get(1).copied()) {
        (Some("tenant"), Some("create")) => create_tenant(args, store, directory, now).await,
        (Some("tenant"), Some("list")) => Ok(json!({"tenants": tenants::all_ids(store).await?})),
        (Some("tenant"), Some("show")) => show_tenant(store, need(&words, 2, "TENANT")?).await,
        (Some("member"), Some("add")) => {
            let role = match flag(args, "--role") {
                None => Role::Staff,
                Some(r) => Role::parse(&r)
                    .ok_or_else(|| CliError::Usage(format!("--role {r}: owner, admin or staff")))?,
            };
            let tenant = need(&words, 2, "TENANT")?;
            add_member(
                store,
                directory,
                tenant,
                need(&words, 3, "EMAIL")?,
                role,
                now,
            )
            .await
        }
        (Some("member"), Some("list")) => {
            let tenant = need(&words, 2, "TENANT")?;
            known_tenant(store, tenant).await?;
            Ok(json!({"members": current(store, tenant).await?}))
        }
        (Some("member"), Some("remove")) => {
            let tenant = need(&words, 2, "TENANT")?;
            remove_member(store, tenant, need(&words, 3, "EMAIL")?, now).await
        }
        (Some("webhook-secret"), Some("rotate")) => {
            rotate_webhook_secret(store, vault, need(&words, 2, "TENANT")?).await
        }
        (Some("sms-sender"), Some(action @ ("allow" | "remove" | "list"))) => {
            let tenant = need(&words, 2, "TENANT")?;
            known_tenant(store, tenant).await?;
            let mut list = senders::allowed(store, tenant).await?;
            if action != "list" {
                let sender = need(&words, 3, "SENDER")?.trim().to_owned();
                if sender.is_empty() || sender.len() > 40 {
                    return Err(CliError::Usage("SENDER: 1 to 40 characters".into()));
                }
                list.retain(|s| s != &sender);
                if action == "allow" {
                    list.push(sender);
                }
                senders::set(store, tenant, &list).await?;
                list = senders::allowed(store, tenant).await?;
            }
            Ok(json!({"tenant_id": tenant, "sms_senders": list}))
        }
        (Some("migrate"), Some("contact-tasks")) => {
            let mut folded = serde_json::Map::new();
            for tenant in tenants::all_ids(store).await? {
                let n = tasks::fold_legacy(store, &tenant).await?;
                folded.insert(tenant, n.into());
            }
            Ok(json!({"folded": folded}))
        }
        (Some("migrate"), Some("secrets")) => {
            let mut sealed = Vec::new();
            for tenant in tenants::all_ids(store).await? {
                if tenants::seal_stored_secrets(store, vault, &tenant).await? {
                    sealed.push(tenant);
                }
            }
            Ok(json!({"sealed": sealed}))
        }
        (Some("migrate"), Some("sms-senders")) => {
            let mut indexed = serde_json::Map::new();
            for tenant in tenants::all_ids(store).await? {
                let n = senders::reindex(store, &tenant).await?;
                indexed.insert(tenant, n.into());
            }
            Ok(json!({"indexed": indexed}))
        }
        (Some("seal"), Some("sms-token")) => {
            let mut token = String::new();
            std::io::stdin()
                .read_line(&mut token)
                .map_err(|e| CliError::Refused(format!("reading the token: {e}")))?;
            seal_sms_token(vault, &token).await
        }
        _ => Err(CliError::Usage("unknown command".into())),
    }
}

async fn known_tenant(store: &dyn Store, tenant: &str) -> Result<(), CliError> {
    match tenants::get(store, tenant).await? {
        Some(_) => Ok(()),
        None => Err(CliError::Refused(format!("no tenant `{tenant}`"))),
    }
}

/// The tenant's members that are not removed.
async fn current(store: &dyn Store, tenant: &str) -> Result<Vec<Member>, StoreError> {
    Ok(members::list(store, tenant)
        .await?
        .into_iter()
        .filter(|m| m.status != MemberStatus::Removed)
        .collect())
}

async fn create_tenant(
    args: &[String],
    store: &dyn Store,
    directory: &dyn Directory,
    now: DateTime<Utc>,
) -> Result<Value, CliError> {
    let mut input = Map::new();
    for (flag_name, field) in [
        ("--name", "business_name"),
        ("--country", "country"),
        ("--time-zone", "time_zone"),
        ("--currency", "currency"),
    ] {
        if let Some(v) = flag(args, flag_name) {
            input.insert(field.into(), v.into());
        }
    }
    let mut f = Fields::default();
    let business = NewBusiness::read(&mut f, &input);
    let owner = flag(args, "--owner").unwrap_or_default();
    let owner_email = f.required_email(
        &Map::from_iter([("owner".to_owned(), Value::from(owner))]),
        "owner",
    );
    let (Some(business), Some(owner_email)) = (business, owner_email) else {
        return Err(ApiError::Validation(f.errors).into());
    };
    let (settings, member) = onboarding::found_business(
        store,
        &business,
        Owner {
            email: &owner_email,
            sub: None,
            invited_by: OPERATOR,
        },
        Vec::new(),
        now,
    )
    .await?;
    let invitation = invite(directory, &member, now).await?;
    Ok(json!({
        "tenant_id": settings.tenant_id,
        "business_name": settings.business_name,
        "owner": member,
        "invitation": invitation,
    }))
}

async fn invite(
    directory: &dyn Directory,
    member: &Member,
    now: DateTime<Utc>,
) -> Result<Invitation, CliError> {
    directory
        .invite(member, InvitePurpose::Join, now)
        .await
        .map_err(|e| CliError::Refused(e.to_string()))
}

async fn show_tenant(store: &dyn Store, tenant: &str) -> Result<Value, CliError> {
    let settings = tenants::get(store, tenant)
        .await?
        .ok_or_else(|| CliError::Refused(format!("no tenant `{tenant}`")))?;
    Ok(json!({
        "tenant_id": settings.tenant_id,
        "business_name": settings.business_name,
        "country": settings.default_region,
        "time_zone": settings.time_zone,
        "currency": settings.currency,
        "webhook_secret_set": settings.webhook_secret.is_some(),
        "members": current(store, tenant).await?,
    }))
}

async fn add_member(
    store: &dyn Store,
    directory: &dyn Directory,
    tenant: &str,
    email: &str,
    role: Role,
    now: DateTime<Utc>,
) -> Result<Value, CliError> {
    known_tenant(store, tenant).await?;
    let mut f = Fields::default();
    let Some(email) = f.required_email(
        &Map::from_iter([("email".to_owned(), Value::from(email))]),
        "email",
    ) else {
        return Err(ApiError::Validation(f.errors).into());
    };
    let member = Member::invited(
        ulid::Ulid::from_datetime(now.into()).to_string(),
        tenant,
        &email,
        role,
        OPERATOR,
        now,
    );
    members::add(store, &member).await?;
    let invitation = invite(directory, &member, now).await?;
    Ok(json!({"member": member, "invitation": invitation}))
}

async fn remove_member(
    store: &dyn Store,
    tenant: &str,
    email: &str,
    now: DateTime<Utc>,
) -> Result<Value, CliError> {
    known_tenant(store, tenant).await?;
    let email = email.trim().to_lowercase();
    let member = current(store, tenant)
        .await?
        .into_iter()
        .find(|m| m.email == email)
        .ok_or_else(|| CliError::Refused(format!("{email} is not a member of `{tenant}`")))?;
    // The operator acts with an owner's rights, under the same last-owner rule.
    let removed = members::change(store, tenant, &member.id, None, Role::Owner, now).await?;
    Ok(json!({"removed": removed}))
}

/// The SMS provider's auth token sealed for the platform: what the stack's `TwilioAuthToken`
/// parameter takes (the functions refuse a token in plain text).
pub async fn seal_sms_token(vault: &dyn Vault, token: &str) -> Result<Value, CliError> {
    let token = token.trim();
    if token.is_empty() || token.chars().any(char::is_whitespace) {
        return Err(CliError::Usage(
            "give the auth token on standard input, alone on its line".into(),
        ));
    }
    let sealed = vault
        .seal(secret::PLATFORM, Purpose::SmsProvider, token)
        .await?;
    Ok(json!({"sealed": sealed.stored()}))
}

async fn rotate_webhook_secret(
    store: &dyn Store,
    vault: &dyn Vault,
    tenant: &str,
) -> Result<Value, CliError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| CliError::Refused(e.to_string()))?;
    let secret = hex::encode(bytes);
    let (_, version) = tenants::change(store, vault, tenant, None, |s| {
        s.webhook_secret = Some(Secret::plain(secret.clone()));
        Vec::new()
    })
    .await
    .map_err(|e| match e {
        SettingsChangeError::NotFound => CliError::Refused(format!("no tenant `{tenant}`")),
        other => other.into(),
    })?;
    Ok(json!({
        "tenant_id": tenant,
        "webhook_secret": secret,
        "settings_version": version,
        "note": "shown once: give it to the booking system; webhooks signed with the old one are refused from now on",
    }))
}
