//! `POST /tenants` through the dispatcher on the SQLite store, from the sample event
//! (`events/http/create_tenant.json`, a Cognito ID token's claims as API Gateway hands them
//! over): a verified person founds a business and is its active owner; a reserved name is
//! 422, a taken one 409 naming the id; a token without a verified email is 401.

mod support;

use std::path::PathBuf;
use std::sync::Arc;

use crm_functions::Ctx;
use crm_shared::adapters::local_bus::LocalBus;
use crm_shared::adapters::sqlite::SqliteStore;
use crm_shared::domain::member::{MemberStatus, Role};
use crm_shared::ports::clock::SystemClock;
use crm_shared::store::{members, tenants};
use serde_json::{json, Value};

fn sample() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events/http/create_tenant.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("json")
}

fn ctx() -> Ctx {
    Ctx::new(support::ports(
        Arc::new(SqliteStore::in_memory().expect("store")),
        Arc::new(LocalBus::new()),
        Arc::new(SystemClock),
    ))
}

/// Dispatches `event` to `create_tenant`: its status and JSON body.
async fn call(ctx: &Ctx, event: &Value) -> (u16, Value) {
    let request = lambda_http::request::from_str(&event.to_string()).expect("request");
    let response = crm_functions::dispatch("create_tenant", ctx, request)
        .await
        .expect("create_tenant is a route");
    let body = match response.body() {
        lambda_http::Body::Text(t) => serde_json::from_str(t).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    (response.status().as_u16(), body)
}

fn with_body(body: Value) -> Value {
    let mut event = sample();
    event["body"] = json!(body.to_string());
    event
}

#[tokio::test]
async fn a_verified_person_founds_a_business_and_is_its_active_owner() {
    let ctx = ctx();
    let event = sample();
    let (status, body) = call(&ctx, &event).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["tenant_id"], json!("glow-day-spa"));
    assert_eq!(body["business_name"], json!("Glow Day Spa"));
    assert_eq!(body["time_zone"], json!("Europe/Dublin"));
    assert_eq!(body["currency"], json!("EUR"));
    let claims = &event["requestContext"]["authorizer"]["jwt"]["claims"];
    let member = &body["member"];
    assert_eq!(member["email"], claims["email"]);
    assert_eq!(member["sub"], claims["sub"]);
    assert_eq!(member["role"], json!("owner"));
    assert_eq!(member["status"], json!("active"));
    let stored = tenants::get(ctx.store.as_ref(), "glow-day-spa")
        .await
        .expect("get")
        .expect("the tenant");
    assert_eq!(stored.business_name, "Glow Day Spa");
    let memberships = members::of_person(ctx.store.as_ref(), "AOIFE@glowdayspa.example")
        .await
        .expect("of person");
    assert_eq!(memberships.len(), 1);
    assert_eq!(memberships[0].role, Role::Owner);
    assert_eq!(memberships[0].status, MemberStatus::Active);
    // The same name again: the address is taken.
    let (status, body) = call(&ctx, &event).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["tenant_id"], json!("glow-day-spa"));
}

#[tokio::test]
async fn reserved_or_invalid_businesses_are_422_and_found_nothing() {
    let ctx = ctx();
    let cases = [
        (
            json!({"business_name": "Admin", "country": "IE", "time_zone": "Europe/Dublin", "currency": "EUR"}),
            "business_name",
        ),
        (
            json!({"business_name": "Glow", "country": "XX", "time_zone": "Europe/Dublin", "currency": "EUR"}),
            "country",
        ),
        (
            json!({"business_name": "Glow", "country": "IE", "time_zone": "Mars/Olympus", "currency": "EUR"}),
            "time_zone",
        ),
        (
            json!({"business_name": "Glow", "country": "IE", "time_zone": "Europe/Dublin", "currency": "EUR", "tenant_id": "mine"}),
            "tenant_id",
        ),
        (json!({}), "business_name"),
    ];
    for (body, field) in cases {
        let (status, answer) = call(&ctx, &with_body(body.clone())).await;
        assert_eq!(status, 422, "{body}: {answer}");
        assert!(
            answer["errors"]
                .as_array()
                .is_some_and(|e| e.iter().any(|e| e["field"] == json!(field))),
            "{body}: {answer}"
        );
    }
    for id in ["admin", "glow"] {
        assert!(tenants::get(ctx.store.as_ref(), id)
            .await
            .expect("get")
            .is_none());
    }
}

#[tokio::test]
async fn a_token_without_a_verified_email_or_a_subject_is_401() {
    let ctx = ctx();
    let claims = |event: &mut Value| -> serde_json::Map<String, Value> {
        event["requestContext"]["authorizer"]["jwt"]["claims"]
            .as_object()
            .cloned()
            .unwrap_or_default()
    };
    let mut cases = Vec::new();
    for (name, value) in [
        ("email_verified", Some("false")),
        ("email_verified", Some("no")),
        ("email", None),
        ("email", Some("not-an-email")),
        ("sub", None),
        ("sub", Some("")),
    ] {
        let mut event = sample();
        let mut c = claims(&mut event);
        match value {
            Some(v) => c.insert(name.into(), json!(v)),
            None => c.remove(name),
        };
        event["requestContext"]["authorizer"]["jwt"]["claims"] = Value::Object(c);
        cases.push((format!("{name} = {value:?}"), event));
    }
    let mut anonymous = sample();
    if let Some(context) = anonymous["requestContext"].as_object_mut() {
        context.remove("authorizer");
    }
    cases.push(("no authorizer".into(), anonymous));
    for (what, event) in cases {
        let (status, body) = call(&ctx, &event).await;
        assert_eq!(status, 401, "{what}: {body}");
    }
    assert!(
        members::of_person(ctx.store.as_ref(), "aoife@glowdayspa.example")
            .await
            .expect("of person")
            .is_empty()
    );
}

/// The sample, founding `business` as `email` (its own subject) from `address`.
fn founding(business: &str, email: &str, address: &str) -> Value {
    let mut event = with_body(json!({
        "business_name": business, "country": "IE", "time_zone": "Europe/Dublin", "currency": "EUR"
    }));
    let claims = &mut event["requestContext"]["authorizer"]["jwt"]["claims"];
    claims["email"] = json!(email);
    claims["sub"] = json!(format!("sub-{email}"));
    event["requestContext"]["http"]["sourceIp"] = json!(address);
    event
}

#[tokio::test]
async fn one_address_founds_at_most_five_businesses_an_hour_while_another_still_can() {
    let ctx = ctx();
    for i in 0..5 {
        let event = founding(
            &format!("Spa {i}"),
            &format!("p{i}@example.ie"),
            "203.0.113.9",
        );
        let (status, body) = call(&ctx, &event).await;
        assert_eq!(status, 201, "{body}");
    }
    let sixth = founding("Spa Six", "p6@example.ie", "203.0.113.9");
    let (status, body) = call(&ctx, &sixth).await;
    assert_eq!(status, 429, "{body}");
    assert!(tenants::get(ctx.store.as_ref(), "spa-six")
        .await
        .expect("get")
        .is_none());
    let elsewhere = founding("Spa Six", "p6@example.ie", "198.51.100.4");
    let (status, body) = call(&ctx, &elsewhere).await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test]
async fn one_person_owns_at_most_five_businesses() {
    let ctx = ctx();
    for i in 0..5 {
        let event = founding(
            &format!("Chain {i}"),
            "owner@chain.ie",
            &format!("198.51.100.{i}"),
        );
        let (status, body) = call(&ctx, &event).await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, body) = call(
        &ctx,
        &founding("Chain Six", "owner@chain.ie", "198.51.100.9"),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["conflict"], json!("business_limit"));
    assert!(tenants::get(ctx.store.as_ref(), "chain-six")
        .await
        .expect("get")
        .is_none());
}
