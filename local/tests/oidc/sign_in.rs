//! Signing in to crm-local with an identity provider's ID token (`POST /auth/oidc`): verified
//! against the provider's keys, mapped to a membership by verified email; an unknown person
//! gets a 403 that says so, never a token.

use crm_local::config::OidcClient;
use crm_local::LocalConfig;
use crm_shared::domain::member::{Member, Role};
use serde_json::{json, Value};

use crate::stub_issuer::StubIssuer;
use crate::tokens::{rs256, rsa_jwk};
use crate::CLIENT_ID;

async fn post(url: &str, body: &Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(url)
        .json(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_verified_member_gets_a_session_and_an_unknown_person_a_clear_403() {
    let issuer = StubIssuer::start(vec![rsa_jwk()]).await;
    let dir = std::env::temp_dir().join(format!("crm-oidc-{}", ulid::Ulid::new()));
    let server = crm_local::start(LocalConfig {
        port: 0,
        data_dir: dir.clone(),
        seed: false,
        jwt_secret: Some("oidc-test-secret".into()),
        dev_sign_in: false,
        oidc: Some(OidcClient {
            issuer: issuer.url.clone(),
            client_id: CLIENT_ID.into(),
            scope: None,
            name: Some("Stub".into()),
        }),
        poll_queues: false,
        public_url: None,
        sms_provider_token: None,
    })
    .await
    .unwrap_or_else(|e| panic!("start: {e}"));
    let store = server.ctx.store.clone();
    crm_shared::store::tenants::create(
        store.as_ref(),
        &crm_shared::domain::tenant::TenantSettings::new("spa", "Spa", "IE", "https://b.example"),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let member = Member::invited(
        ulid::Ulid::new().to_string(),
        "spa",
        "olive@spa.example",
        Role::Admin,
        "test",
        chrono::Utc::now(),
    );
    crm_shared::store::members::add(store.as_ref(), &member)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let now = chrono::Utc::now().timestamp();
    let token = |email: &str, verified: bool, nonce: &str| {
        rs256(&json!({
            "iss": issuer.url, "aud": CLIENT_ID, "sub": format!("idp|{email}"),
            "email": email, "email_verified": verified, "nonce": nonce,
            "iat": now, "exp": now + 600,
        }))
    };
    let url = format!("{}/auth/oidc", server.url());

    let (status, body) = post(
        &url,
        &json!({"id_token": token("Olive@Spa.example", true, "n1"), "nonce": "n1"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["tenant_id"], json!("spa"));
    assert_eq!(body["role"], json!("admin"));
    let access = body["access_token"].as_str().unwrap_or_default();
    let business = reqwest::Client::new()
        .get(format!("{}/business", server.url()))
        .bearer_auth(access)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(business.status().as_u16(), 200);
    let activated = crm_shared::store::members::get(store.as_ref(), "spa", &member.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("member"));
    assert_eq!(
        activated.sub.as_deref(),
        Some(format!("{}|idp|Olive@Spa.example", issuer.url).as_str())
    );

    let (status, body) = post(
        &url,
        &json!({"id_token": token("stranger@elsewhere.example", true, "n2"), "nonce": "n2"}),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("not a member")),
        "{body}"
    );
    assert!(body.get("access_token").is_none());

    let (status, body) = post(
        &url,
        &json!({"id_token": token("olive@spa.example", false, "n3"), "nonce": "n3"}),
    )
    .await;
    assert_eq!(status, 403, "an unverified email matches nobody: {body}");

    let (status, _) = post(
        &url,
        &json!({"id_token": token("olive@spa.example", true, "n4"), "nonce": "another"}),
    )
    .await;
    assert_eq!(status, 401, "a token for another sign-in is refused");
    server.shutdown().await.unwrap_or_else(|e| panic!("{e}"));
    let _ = std::fs::remove_dir_all(dir);
}
