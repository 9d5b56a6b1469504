//! The Cognito pre token generation samples (`events/cognito/pre_token_*.json`) replayed
//! through the trigger against the SQLite store: tenant claims come from the membership of the
//! verified email only, and user-writable look-alikes never get through.

#[path = "support/samples.rs"]
mod samples;
mod support;

use std::path::PathBuf;
use std::sync::Arc;

use crm_functions::workers::pre_token;
use crm_functions::Ctx;
use crm_shared::adapters::local_bus::LocalBus;
use crm_shared::adapters::sqlite::SqliteStore;
use crm_shared::domain::member::{Member, MemberStatus, Role};
use crm_shared::http::routes::WORKERS;
use crm_shared::ports::clock::SystemClock;
use crm_shared::store::members;
use samples::INVITED;
use serde_json::{json, Value};

const FORMER: &str = "01JDEMFRMR0000000000000001";

fn sample(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../events/cognito")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The demo business (`support/samples.rs`) with its invited staff member (ciara@) and a
/// removed one (former@).
async fn demo() -> Ctx {
    let store = SqliteStore::in_memory().expect("store");
    let now = chrono::Utc::now();
    samples::business(&store, now).await.expect("business");
    samples::invited_member(&store, now).await.expect("invited");
    let former = Member::invited(
        FORMER.into(),
        "demo",
        "former@demo.example",
        Role::Admin,
        "owner-sub",
        now,
    );
    members::add(&store, &former).await.expect("former");
    // The owner removes them (owners manage everyone).
    members::change(&store, "demo", FORMER, None, Role::Owner, now)
        .await
        .expect("removed");
    Ctx::new(support::ports(
        Arc::new(store),
        Arc::new(LocalBus::new()),
        Arc::new(SystemClock),
    ))
}

fn details<'a>(answer: &'a Value, token: &str) -> &'a Value {
    &answer["response"]["claimsAndScopeOverrideDetails"][token]
}

fn assert_no_tenant_claims(answer: &Value, what: &str) {
    for token in ["idTokenGeneration", "accessTokenGeneration"] {
        let generation = details(answer, token);
        assert_eq!(
            generation["claimsToAddOrOverride"],
            json!({}),
            "{what}: {answer}"
        );
        let suppressed = &generation["claimsToSuppress"];
        for claim in pre_token::TENANT_CLAIMS
            .iter()
            .chain(&["custom:tenant_id", "custom:role"])
        {
            assert!(
                suppressed
                    .as_array()
                    .is_some_and(|s| s.contains(&json!(claim))),
                "{what}: {claim} is suppressed: {answer}"
            );
        }
    }
}

#[tokio::test]
async fn an_invited_member_signing_in_gets_the_membership_claims_and_becomes_active() {
    assert!(WORKERS.contains(&"pre_token"));
    let ctx = demo().await;
    let event = sample("pre_token_member");
    let answer = pre_token::handle(&ctx, event.clone())
        .await
        .expect("answered");
    let sub = event["request"]["userAttributes"]["sub"]
        .as_str()
        .expect("sub");
    for token in ["idTokenGeneration", "accessTokenGeneration"] {
        let generation = details(&answer, token);
        assert_eq!(
            generation["claimsToAddOrOverride"],
            json!({"tenant_id": "demo", "role": "staff", "mid": INVITED, "mv": "1"}),
            "{token}: the membership's, not the custom attributes' (rival, owner)"
        );
        assert_eq!(
            generation["claimsToSuppress"],
            json!(["custom:tenant_id", "custom:role"]),
            "{token}"
        );
    }
    // The rest of the event comes back as it was.
    assert_eq!(answer["request"], event["request"]);
    assert_eq!(answer["userPoolId"], event["userPoolId"]);
    let member = members::get(ctx.store.as_ref(), "demo", INVITED)
        .await
        .expect("get")
        .expect("member");
    assert_eq!(member.status, MemberStatus::Active);
    assert_eq!(member.sub.as_deref(), Some(sub));
    // The next sign-in (a refresh) names the same membership, unchanged.
    let again = pre_token::handle(&ctx, event).await.expect("answered");
    assert_eq!(
        details(&again, "accessTokenGeneration")["claimsToAddOrOverride"]["mv"],
        json!("1")
    );
}

#[tokio::test]
async fn a_removed_member_refreshing_gets_no_tenant_claims() {
    let ctx = demo().await;
    let answer = pre_token::handle(&ctx, sample("pre_token_removed"))
        .await
        .expect("answered");
    assert_no_tenant_claims(&answer, "removed");
}

#[tokio::test]
async fn a_person_without_a_membership_gets_no_tenant_claims() {
    let ctx = demo().await;
    let answer = pre_token::handle(&ctx, sample("pre_token_unknown"))
        .await
        .expect("answered");
    assert_no_tenant_claims(&answer, "unknown");
}

#[tokio::test]
async fn an_unverified_email_names_no_membership_and_activates_nothing() {
    let ctx = demo().await;
    for verified in [json!("false"), Value::Null] {
        let mut event = sample("pre_token_member");
        event["request"]["userAttributes"]["email_verified"] = verified.clone();
        let answer = pre_token::handle(&ctx, event).await.expect("answered");
        assert_no_tenant_claims(&answer, &format!("email_verified {verified}"));
    }
    let member = members::get(ctx.store.as_ref(), "demo", INVITED)
        .await
        .expect("get")
        .expect("member");
    assert_eq!(member.status, MemberStatus::Invited);
}

#[tokio::test]
async fn an_event_that_is_not_pre_token_v2_is_refused() {
    let ctx = demo().await;
    let mut v1 = sample("pre_token_member");
    v1["version"] = json!("1");
    assert!(pre_token::handle(&ctx, v1).await.is_err());
    let mut other = sample("pre_token_member");
    other["triggerSource"] = json!("PreSignUp_SignUp");
    assert!(pre_token::handle(&ctx, other).await.is_err());
    assert!(pre_token::handle(&ctx, json!({"hello": "world"}))
        .await
        .is_err());
}
