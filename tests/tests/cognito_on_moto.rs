//! The cloud's accounts against moto's Cognito and DynamoDB (issue 15): the user pool and the
//! admin app's client are made from infra/template.yaml's own definitions; a person signed in
//! there gets an ID token crm-local's OIDC verifier accepts against the pool's discovery
//! document and JWKS; invites through `CognitoDirectory` create (or re-invite, or reset) the
//! Cognito user; and a person who signed up founds a business (`POST /tenants`, on DynamoDB)
//! whose tenant the pre token trigger then puts in their tokens.
//!
//! Two things moto does not do, and what stands in for them:
//! - it signs in with a password (ADMIN_USER_PASSWORD_AUTH), not SRP: the test adds that flow
//!   to the client it makes (the template's client allows SRP and refresh only);
//! - it invokes no Lambda trigger: the test hands the pre token trigger the event Cognito
//!   would (the user's attributes as moto holds them), and applies the claims it answers as
//!   Cognito would to the verified token's.
//!
//! moto must be the repository's (`tests/python/moto_atomic.py`, as scripts/test and the test
//! support start it): plain moto names an issuer its tokens cannot be verified against.

#[path = "../../shared/tests/support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, UserStatusType};
use aws_sdk_cognitoidentityprovider::Client as Cognito;
use crm_functions::workers::pre_token;
use crm_functions::{Ctx, Ports};
use crm_local::config::OidcClient;
use crm_local::oidc::{OidcVerifier, VerifiedIdentity};
use crm_shared::adapters::cognito::CognitoDirectory;
use crm_shared::adapters::local_bus::LocalBus;
use crm_shared::adapters::local_capi::RecordingCapi;
use crm_shared::adapters::local_queue::LocalQueue;
use crm_shared::adapters::outbox::Outbox;
use crm_shared::domain::member::{Member, MemberStatus, Role};
use crm_shared::domain::tenant::TenantSettings;
use crm_shared::ports::clock::{Clock, SystemClock};
use crm_shared::ports::directory::{Directory, SelfSignUp};
use crm_shared::ports::store::Store;
use crm_shared::store::{members, tenants};
use serde_json::{json, Map, Value};

const PASSWORD: &str = "harbour lights at dusk";
/// What the template's `!GetAtt`s name, as a deployed stack would have them.
const PRE_TOKEN_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:crm-PreToken";
const ADMIN_DOMAIN: &str = "d111111abcdef8.cloudfront.net";

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

// ---------------------------------------------------------------- the template

/// A resource's `Properties` from infra/template.yaml, CloudFormation's intrinsic functions
/// resolved for a stack named `crm` in us-east-1 using Cognito (`UseCognito` true).
fn template_properties(resource: &str, refs: &HashMap<&str, String>) -> Map<String, Value> {
    let path = root().join("infra/template.yaml");
    let text = std::fs::read_to_string(&path).expect("infra/template.yaml");
    let template: serde_yaml::Value = serde_yaml::from_str(&text).expect("YAML");
    let properties = &template["Resources"][resource]["Properties"];
    assert!(
        !properties.is_null(),
        "{resource} has no Properties in the template"
    );
    match resolve(properties, refs) {
        Value::Object(map) => map,
        other => panic!("{resource}: Properties is {other}"),
    }
}

fn resolve(value: &serde_yaml::Value, refs: &HashMap<&str, String>) -> Value {
    use serde_yaml::Value as Y;
    let reference = |name: &str| {
        refs.get(name)
            .cloned()
            .unwrap_or_else(|| panic!("the test knows no value for `{name}`"))
    };
    match value {
        Y::Null => Value::Null,
        Y::Bool(b) => json!(b),
        Y::Number(n) => serde_json::to_value(n).unwrap_or(Value::Null),
        Y::String(s) => json!(s),
        Y::Sequence(items) => Value::Array(items.iter().map(|i| resolve(i, refs)).collect()),
        Y::Mapping(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.as_str().unwrap_or_default().to_owned(), resolve(v, refs)))
                .collect(),
        ),
        Y::Tagged(tagged) => {
            let inner = resolve(&tagged.value, refs);
            match (tagged.tag.to_string().as_str(), inner) {
                ("!Ref" | "!GetAtt", Value::String(name)) => json!(reference(&name)),
                ("!Sub", Value::String(text)) => {
                    let mut out = text.clone();
                    while let Some(start) = out.find("${") {
                        let end = out[start..]
                            .find('}')
                            .map(|e| start + e)
                            .unwrap_or(out.len());
                        let name = out[start + 2..end].to_owned();
                        out.replace_range(start..=end.min(out.len() - 1), &reference(&name));
                    }
                    json!(out)
                }
                ("!If", Value::Array(branches)) if branches.len() == 3 => {
                    let condition = branches[0].as_str().unwrap_or_default();
                    let holds = reference(&format!("Condition:{condition}")) == "true";
                    branches[if holds { 1 } else { 2 }].clone()
                }
                (tag, inner) => panic!("the test cannot resolve {tag} {inner}"),
            }
        }
    }
}

fn stack_refs(pool_id: Option<&str>) -> HashMap<&'static str, String> {
    let mut refs = HashMap::from([
        ("AWS::StackName", "crm".to_owned()),
        ("AWS::Region", "us-east-1".to_owned()),
        ("PreTokenFunction.Arn", PRE_TOKEN_ARN.to_owned()),
        ("AdminDistribution.DomainName", ADMIN_DOMAIN.to_owned()),
        ("Condition:UseCognito", "true".to_owned()),
        ("Condition:HasAuthDomainPrefix", "false".to_owned()),
    ]);
    if let Some(id) = pool_id {
        refs.insert("UserPool", id.to_owned());
    }
    refs
}

/// Calls a Cognito API on moto with `body` as is (the template's property names are the
/// API's), as the SDKs do: JSON 1.1 with the operation in `X-Amz-Target`.
async fn cognito_call(operation: &str, body: &Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{}/", support::endpoint()))
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            format!("AWSCognitoIdentityProviderService.{operation}"),
        )
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/cognito-idp/aws4_request, \
             SignedHeaders=host, Signature=0",
        )
        .body(body.to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{operation} on moto: {e}"));
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    assert!(status.is_success(), "{operation}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// A user pool and the admin app's client made on moto from the template: (pool id, client
/// id). The client also allows ADMIN_USER_PASSWORD_AUTH, moto's stand-in for SRP.
async fn pool_from_template() -> (String, String) {
    let mut pool = template_properties("UserPool", &stack_refs(None));
    pool.insert("PoolName".into(), json!(support::unique_name("crm-people")));
    pool.remove("UserPoolName");
    let created = cognito_call("CreateUserPool", &Value::Object(pool.clone())).await;
    let pool_id = created["UserPool"]["Id"]
        .as_str()
        .expect("a pool id")
        .to_owned();
    // What the template asked for is what the pool has.
    let made = &created["UserPool"];
    assert_eq!(made["UsernameAttributes"], pool["UsernameAttributes"]);
    assert_eq!(
        made["LambdaConfig"]["PreTokenGenerationConfig"],
        json!({"LambdaArn": PRE_TOKEN_ARN, "LambdaVersion": "V2_0"})
    );
    assert_eq!(
        made["Policies"]["PasswordPolicy"]["MinimumLength"],
        json!(12)
    );
    let mut client = template_properties("UserPoolClient", &stack_refs(Some(&pool_id)));
    if let Some(Value::Array(flows)) = client.get_mut("ExplicitAuthFlows") {
        flows.push(json!("ALLOW_ADMIN_USER_PASSWORD_AUTH"));
    }
    let made = cognito_call("CreateUserPoolClient", &Value::Object(client)).await;
    let client_id = made["UserPoolClient"]["ClientId"]
        .as_str()
        .expect("a client id")
        .to_owned();
    assert_eq!(
        made["UserPoolClient"]["CallbackURLs"],
        json!([format!("https://{ADMIN_DOMAIN}/admin/callback")])
    );
    (pool_id, client_id)
}

async fn cognito() -> Cognito {
    Cognito::new(&support::sdk_config().await)
}

fn email(name: &str) -> String {
    format!(
        "{name}-{}@example.ie",
        ulid::Ulid::new().to_string().to_lowercase()
    )
}

/// A person who signed up (confirmed, email verified) and signed in: their ID token.
async fn signed_up(cognito: &Cognito, pool: &str, client: &str, email: &str) -> String {
    cognito
        .admin_create_user()
        .user_pool_id(pool)
        .username(email)
        .user_attributes(attribute("email", email))
        .user_attributes(attribute("email_verified", "true"))
        .send()
        .await
        .expect("AdminCreateUser");
    cognito
        .admin_set_user_password()
        .user_pool_id(pool)
        .username(email)
        .password(PASSWORD)
        .permanent(true)
        .send()
        .await
        .expect("AdminSetUserPassword (the template's policy: 12 characters)");
    cognito
        .admin_initiate_auth()
        .user_pool_id(pool)
        .client_id(client)
        .auth_flow(AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", email)
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await
        .expect("AdminInitiateAuth")
        .authentication_result
        .and_then(|r| r.id_token)
        .expect("an ID token")
}

fn attribute(name: &str, value: &str) -> aws_sdk_cognitoidentityprovider::types::AttributeType {
    aws_sdk_cognitoidentityprovider::types::AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .expect("attribute")
}

async fn verifier(pool: &str, client: &str) -> OidcVerifier {
    let issuer = format!("{}/{pool}", support::endpoint());
    OidcVerifier::new(
        &OidcClient {
            issuer,
            client_id: client.to_owned(),
            scope: None,
            name: None,
        },
        Arc::new(SystemClock),
    )
    .expect("verifier")
}

async fn user_status(cognito: &Cognito, pool: &str, email: &str) -> (UserStatusType, Value) {
    let user = cognito
        .admin_get_user()
        .user_pool_id(pool)
        .username(email)
        .send()
        .await
        .expect("AdminGetUser");
    let attributes: Map<String, Value> = user
        .user_attributes()
        .iter()
        .map(|a| (a.name().to_owned(), json!(a.value().unwrap_or_default())))
        .collect();
    (
        user.user_status.clone().expect("a status"),
        Value::Object(attributes),
    )
}

// ---------------------------------------------------------------- the handlers' world

fn ctx(store: Arc<dyn Store>, directory: Arc<dyn Directory>) -> Ctx {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    Ctx::new(Ports {
        store,
        bus: Arc::new(LocalBus::new()),
        queue: Arc::new(LocalQueue::in_memory(clock.clone()).expect("queue")),
        clock,
        sms: Arc::new(Outbox::new()),
        capi: Arc::new(RecordingCapi::new()),
        directory,
        vault: Arc::new(crm_shared::adapters::local_vault::LocalVault::ephemeral()),
    })
}

/// The sample event of `function` with these verified claims (and `body`, when given).
fn request(
    function: &str,
    claims: &Map<String, Value>,
    body: Option<Value>,
) -> lambda_http::Request {
    let path = root().join(format!("events/http/{function}.json"));
    let mut event: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("sample")).expect("json");
    event["requestContext"]["authorizer"]["jwt"]["claims"] = Value::Object(claims.clone());
    if let Some(body) = body {
        event["body"] = json!(body.to_string());
    }
    lambda_http::request::from_str(&event.to_string()).expect("request")
}

async fn dispatch(ctx: &Ctx, function: &str, request: lambda_http::Request) -> (u16, Value) {
    let response = crm_functions::dispatch(function, ctx, request)
        .await
        .expect("a route");
    let body = match response.body() {
        lambda_http::Body::Text(t) => serde_json::from_str(t).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    (response.status().as_u16(), body)
}

/// The claims API Gateway hands over for a verified ID token (strings, as it does).
fn gateway_claims(identity: &VerifiedIdentity) -> Map<String, Value> {
    let mut claims = Map::new();
    claims.insert("sub".into(), json!(identity.sub));
    if let Some(email) = &identity.email {
        claims.insert("email".into(), json!(email));
    }
    claims.insert(
        "email_verified".into(),
        json!(identity.email_verified.to_string()),
    );
    claims
}

// ---------------------------------------------------------------- the tests

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_signed_in_on_the_template_pool_has_an_id_token_the_oidc_verifier_accepts() {
    let (pool, client) = pool_from_template().await;
    let discovery: Value = reqwest::get(format!(
        "{}/{pool}/.well-known/openid-configuration",
        support::endpoint()
    ))
    .await
    .expect("discovery")
    .json()
    .await
    .expect("json");
    assert_eq!(
        discovery["issuer"],
        json!(format!("{}/{pool}", support::endpoint())),
        "moto must name itself as the issuer: start it with tests/python/moto_atomic.py"
    );
    let cognito = cognito().await;
    let who = email("aoife");
    let id_token = signed_up(&cognito, &pool, &client, &who).await;
    let identity = verifier(&pool, &client)
        .await
        .verify(&id_token, None)
        .await
        .expect("moto's ID token verifies against its JWKS");
    let (_, attributes) = user_status(&cognito, &pool, &who).await;
    assert_eq!(json!(identity.sub), attributes["sub"]);
    assert_eq!(identity.email.as_deref(), Some(who.as_str()));
    assert!(identity.email_verified);
    assert_eq!(identity.verified_email(), Some(who.as_str()));
    // A token for another client is refused.
    let other = verifier(&pool, "another-client").await;
    assert!(other.verify(&id_token, None).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invites_through_cognito_create_resend_and_reset_the_persons_user() {
    let (pool, _) = pool_from_template().await;
    let cognito = cognito().await;
    let directory = Arc::new(CognitoDirectory::new(cognito.clone(), &pool));
    let store: Arc<dyn Store> = Arc::new(support::dynamo_store("cognito-invites").await);
    let settings = TenantSettings::new("demo", "Demo Day Spa", "IE", "https://book.example/demo");
    tenants::create(store.as_ref(), &settings)
        .await
        .expect("tenant");
    let ctx = ctx(store.clone(), directory.clone());
    let owner: Map<String, Value> =
        json!({"tenant_id": "demo", "role": "owner", "sub": "owner-sub"})
            .as_object()
            .cloned()
            .unwrap_or_default();

    // POST /members: the member, and Cognito's user with the email verified.
    let invited = email("ciara");
    let (status, body) = dispatch(
        &ctx,
        "invite_member",
        request(
            "invite_member",
            &owner,
            Some(json!({"email": invited, "role": "staff"})),
        ),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["invitation"], json!({"delivery": "emailed"}));
    let member_id = body["member"]["id"].as_str().expect("id").to_owned();
    let (status, attributes) = user_status(&cognito, &pool, &invited).await;
    assert_eq!(status, UserStatusType::ForceChangePassword);
    assert_eq!(attributes["email"], json!(invited));
    assert_eq!(attributes["email_verified"], json!("true"));

    // Again before they signed in: the invitation again, the same user.
    let member = members::get(store.as_ref(), "demo", &member_id)
        .await
        .expect("get")
        .expect("member");
    let again = directory
        .invite(
            &member,
            crm_shared::domain::member::InvitePurpose::Join,
            chrono::Utc::now(),
        )
        .await
        .expect("resend");
    assert_eq!(again, crm_shared::ports::directory::Invitation::Emailed);
    // (Cognito sends the invitation again to the same user. moto, for a pool whose usernames
    // are emails, answers a RESEND by adding a second user with the same email: a moto quirk,
    // so the number of users is not checked here; the first one is still waiting.)
    let (status, _) = user_status(&cognito, &pool, &invited).await;
    assert_eq!(status, UserStatusType::ForceChangePassword);

    // They chose a password and signed in (the trigger activated them): a new invitation is
    // a password reset.
    cognito
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username(&invited)
        .password(PASSWORD)
        .permanent(true)
        .send()
        .await
        .expect("password");
    let sub = attributes["sub"].as_str().expect("sub");
    members::activate(store.as_ref(), "demo", &member_id, sub, chrono::Utc::now())
        .await
        .expect("active");
    let mut reset = request("reinvite_member", &owner, None);
    reset = lambda_http::RequestExt::with_path_parameters(
        reset,
        HashMap::from([("id".to_owned(), member_id.clone())]),
    );
    let (status, body) = dispatch(&ctx, "reinvite_member", reset).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"delivery": "emailed"}));
    let (status, _) = user_status(&cognito, &pool, &invited).await;
    assert_eq!(status, UserStatusType::ResetRequired);

    // Someone who already has an account (signed up themselves) joins another business:
    // nothing to email, they sign in and find the membership.
    let existing = email("niamh");
    cognito
        .admin_create_user()
        .user_pool_id(&pool)
        .username(&existing)
        .user_attributes(attribute("email", &existing))
        .user_attributes(attribute("email_verified", "true"))
        .send()
        .await
        .expect("their account");
    cognito
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username(&existing)
        .password(PASSWORD)
        .permanent(true)
        .send()
        .await
        .expect("confirmed");
    let (status, body) = dispatch(
        &ctx,
        "invite_member",
        request(
            "invite_member",
            &owner,
            Some(json!({"email": existing, "role": "staff"})),
        ),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["invitation"], json!({"delivery": "sign_up"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_who_signed_up_founds_a_business_and_their_next_token_names_it() {
    let (pool, client) = pool_from_template().await;
    let cognito = cognito().await;
    let store: Arc<dyn Store> = Arc::new(support::dynamo_store("cognito-signup").await);
    let ctx = ctx(store.clone(), Arc::new(SelfSignUp));
    let who = email("aoife");
    let id_token = signed_up(&cognito, &pool, &client, &who).await;
    let identity = verifier(&pool, &client)
        .await
        .verify(&id_token, None)
        .await
        .expect("verified");
    let claims = gateway_claims(&identity);

    // No business yet: the trigger names none, and admin routes refuse the token.
    let (_, attributes) = user_status(&cognito, &pool, &who).await;
    let trigger_event = |attributes: &Value| {
        let path = root().join("events/cognito/pre_token_unknown.json");
        let mut event: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("sample")).expect("json");
        event["userPoolId"] = json!(pool);
        event["userName"] = attributes["sub"].clone();
        event["callerContext"]["clientId"] = json!(client);
        event["request"]["userAttributes"] = attributes.clone();
        event
    };
    let before = pre_token::handle(&ctx, trigger_event(&attributes))
        .await
        .expect("trigger");
    assert_eq!(
        before["response"]["claimsAndScopeOverrideDetails"]["idTokenGeneration"]
            ["claimsToAddOrOverride"],
        json!({})
    );
    let (status, _) = dispatch(&ctx, "get_business", request("get_business", &claims, None)).await;
    assert_eq!(status, 401, "no tenant in the token yet");

    // POST /tenants on DynamoDB.
    let name = format!("Glow {}", ulid::Ulid::new().to_string().to_lowercase());
    let (status, body) = dispatch(
        &ctx,
        "create_tenant",
        request(
            "create_tenant",
            &claims,
            Some(json!({"business_name": name, "country": "IE",
                "time_zone": "Europe/Dublin", "currency": "EUR"})),
        ),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let tenant = body["tenant_id"].as_str().expect("tenant").to_owned();
    assert_eq!(body["member"]["sub"], json!(identity.sub));

    // The next token (a refresh): the trigger names the business, from the membership.
    let after = pre_token::handle(&ctx, trigger_event(&attributes))
        .await
        .expect("trigger");
    let added = &after["response"]["claimsAndScopeOverrideDetails"]["accessTokenGeneration"]
        ["claimsToAddOrOverride"];
    assert_eq!(added["tenant_id"], json!(tenant));
    assert_eq!(added["role"], json!("owner"));
    assert_eq!(added["mid"], body["member"]["id"]);
    assert_eq!(added["mv"], json!("1"));
    let member = members::get(store.as_ref(), &tenant, added["mid"].as_str().unwrap_or(""))
        .await
        .expect("get")
        .expect("member");
    assert_eq!(member.status, MemberStatus::Active);
    assert_eq!(member.role, Role::Owner);

    // Cognito adds them to the verified token's claims: an admin route admits it.
    let mut token_claims = claims.clone();
    for (k, v) in added.as_object().into_iter().flatten() {
        token_claims.insert(k.clone(), v.clone());
    }
    let (status, business) = dispatch(
        &ctx,
        "get_business",
        request("get_business", &token_claims, None),
    )
    .await;
    assert_eq!(status, 200, "{business}");
    assert_eq!(business["tenant_id"], json!(tenant));
    assert_eq!(business["role"], json!("owner"));

    // Removed (by another owner): the next token names nothing, and this one stops at once.
    let other = Member::invited(
        ulid::Ulid::new().to_string(),
        &tenant,
        &email("second-owner"),
        Role::Owner,
        &identity.sub,
        chrono::Utc::now(),
    );
    let mut other = other;
    other.status = MemberStatus::Active;
    members::add(store.as_ref(), &other)
        .await
        .expect("second owner");
    members::change(
        store.as_ref(),
        &tenant,
        &member.id,
        None,
        Role::Owner,
        chrono::Utc::now(),
    )
    .await
    .expect("removed");
    let (status, _) = dispatch(
        &ctx,
        "get_business",
        request("get_business", &token_claims, None),
    )
    .await;
    assert_eq!(status, 401);
    let removed = pre_token::handle(&ctx, trigger_event(&attributes))
        .await
        .expect("trigger");
    assert_eq!(
        removed["response"]["claimsAndScopeOverrideDetails"]["accessTokenGeneration"]
            ["claimsToAddOrOverride"],
        json!({})
    );
}
