//! `GET /openapi.json` against the route table and the live router (DESIGN §3, §6: one list
//! of routes, three consumers).

mod common;

use std::collections::BTreeSet;

use common::*;
use crm_shared::http::routes::{find, Access, ROUTES};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_is_served_and_every_path_in_it_is_a_route_of_the_table() {
    let app = App::start(true).await;
    let r = app.call(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "public, no token needed: {}",
        r.text
    );
    assert!(
        r.content_type().starts_with("application/json"),
        "{}",
        r.content_type()
    );
    let doc = &r.body;
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        doc["openapi"]
    );
    assert!(doc["info"]["title"].as_str().is_some_and(|t| !t.is_empty()));
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    assert!(!paths.is_empty(), "the document describes no paths");

    let mut described = BTreeSet::new();
    for (path, ops) in &paths {
        let ops = ops.as_object().cloned().unwrap_or_default();
        assert!(!ops.is_empty(), "{path} has no operations");
        for (method, op) in ops {
            let route = find(&method.to_ascii_uppercase(), path)
                .unwrap_or_else(|| panic!("{method} {path} is documented but is not a route"));
            assert_eq!(op["operationId"], json!(route.function), "{method} {path}");
            match route.access {
                Access::Public => {
                    assert_eq!(op["security"], json!([]), "{method} {path} is public")
                }
                Access::Person => {
                    assert_eq!(
                        op["security"],
                        json!([{"bearerAuth": []}]),
                        "{method} {path} needs a token"
                    );
                    assert!(
                        op["responses"]["401"].is_object(),
                        "{method} {path} documents 401"
                    );
                }
                Access::Admin(_) => {
                    assert_eq!(
                        op["security"],
                        json!([{"bearerAuth": []}]),
                        "{method} {path} needs a token"
                    );
                    assert!(
                        op["responses"]["401"].is_object(),
                        "{method} {path} documents 401"
                    );
                    assert!(
                        op["responses"]["403"].is_object(),
                        "{method} {path} documents 403"
                    );
                }
            }
            // Every `{name}` of the path is declared as a path parameter.
            let declared: BTreeSet<String> = op["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .filter(|p| p["in"] == json!("path"))
                .map(|p| p["name"].as_str().unwrap_or("").to_owned())
                .collect();
            let in_path: BTreeSet<String> = path
                .split('/')
                .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
                .map(str::to_owned)
                .collect();
            assert_eq!(declared, in_path, "{method} {path} path parameters");
            assert!(
                op["responses"]
                    .as_object()
                    .is_some_and(|rs| rs.keys().any(|k| k.starts_with('2'))),
                "{method} {path} documents a success"
            );
            described.insert((method.to_ascii_uppercase(), path.clone()));
        }
    }
    // And the other way: every route is described.
    let routes: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    assert_eq!(described, routes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_of_the_table_is_mounted_and_unknown_paths_are_a_problem_404() {
    let app = App::start(true).await;
    let tok = owner(DEMO);
    let lead = app
        .create_lead_id(&tok, &json!({"name": "Mounted", "phone": phone()}))
        .await;
    for route in ROUTES {
        let path = target_path(&app, route, DEMO, &lead).await;
        let method = Method::from_bytes(route.method.as_bytes()).unwrap_or(Method::GET);
        let body = match route.function {
            "capture_lead" => Some(capture_body("Mounted Capture", &phone())),
            "create_lead" => Some(json!({"name": "Mounted Create", "phone": phone()})),
            "update_lead" => Some(json!({"service": "Facial"})),
            "change_lead_status" => Some(json!({"status": "contacted"})),
            "add_lead_note" | "add_customer_note" | "edit_customer_note" => {
                Some(json!({"body": "mounted"}))
            }
            "create_customer" => Some(json!({"name": "Mounted Customer", "phone": phone()})),
            "update_customer" => Some(json!({"company": "Mounted Co"})),
            "send_customer_message" => Some(json!({"body": "mounted"})),
            "update_settings" => Some(json!({"review_delay_minutes": 60})),
            "invite_member" => Some(json!({"email": "mounted@staff.example", "role": "staff"})),
            "update_member" => Some(json!({"role": "admin"})),
            "erase_person" => Some(json!({"phone": "+353879990000"})),
            "update_import" => Some(json!({"tags": ["mounted"]})),
            "resolve_duplicate" => Some(json!({"action": "ignore"})),
            "redeem_points" => Some(json!({"points": 1, "reason": "mounted"})),
            _ => None,
        };
        let token =
            matches!(route.access, Access::Admin(_) | Access::Person).then_some(tok.as_str());
        let signed = match route.function {
            "booking_webhook" => Some(json!({"type": "BookingCreated", "booking_id": "MOUNTED-1",
                "version": 1, "start": "2026-12-01T10:00:00Z", "customer": {"phone": phone()}})),
            "sms_inbound" => Some(json!({"From": phone(), "Body": "Thanks!"})),
            "sms_status" => Some(json!({"MessageSid": "SM-unknown", "MessageStatus": "delivered"})),
            "call_webhook" => {
                Some(json!({"call_id": "MOUNTED-CALL-1", "from": phone(), "status": "missed"}))
            }
            _ => None,
        };
        let r = if route.function == "create_import" {
            upload_client_list(&app, &tok).await
        } else if let Some(body) = signed {
            let body = body.to_string();
            let signature = demo_signature(&app, &body);
            send(
                app.req(method, &path)
                    .header("content-type", "application/json")
                    .header("x-crm-signature", signature)
                    .body(body),
            )
            .await
        } else {
            app.call(method, &path, token, body.as_ref()).await
        };
        // A delivery report for a message we never sent is the handler's own 404; a local
        // token names no email, which founding a business needs (the dispatcher's own 401).
        let served = r.status.is_success()
            || (route.function == "sms_status" && r.body["detail"] == json!("message not found"))
            || (route.function == "create_tenant"
                && r.status == StatusCode::UNAUTHORIZED
                && r.body["detail"]
                    .as_str()
                    .is_some_and(|d| d.contains("email")));
        assert!(
            served,
            "{} {} should be served by {}: {} {}",
            route.method, path, route.function, r.status, r.text
        );
    }
    // (Paths under /admin are the admin app's own: crm-local answers them with its index.)
    for path in ["/nope", "/leads/x/y/z", "/public/demo", "/administrator"] {
        let r = app.call(Method::GET, path, None, None).await;
        r.assert_problem(StatusCode::NOT_FOUND);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_query_parameter_is_accepted_by_its_route() {
    let app = App::start(true).await;
    let tok = owner(DEMO);
    let doc = app
        .call(Method::GET, "/openapi.json", None, None)
        .await
        .body;
    let mut checked = 0;
    for route in ROUTES
        .iter()
        .filter(|r| r.method == "GET" && !r.path.contains('{'))
    {
        let op = &doc["paths"][route.path]["get"];
        for p in op["parameters"].as_array().cloned().unwrap_or_default() {
            if p["in"] != json!("query") {
                continue;
            }
            let name = p["name"].as_str().unwrap_or("");
            let token =
                matches!(route.access, Access::Admin(_) | Access::Person).then_some(tok.as_str());
            let r = app
                .call(
                    Method::GET,
                    &format!("{}?{name}=1", route.path),
                    token,
                    None,
                )
                .await;
            let unknown: Vec<Value> = r.body["errors"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter(|e| {
                    e["field"] == json!(name)
                        && e["reason"] == json!("is not a known query parameter")
                })
                .collect();
            assert!(
                unknown.is_empty(),
                "{} documents `{name}` but refuses it: {}",
                route.path,
                r.text
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 10,
        "only {checked} documented query parameters found"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_method_no_route_serves_on_a_known_path_is_answered_with_a_problem() {
    // API Gateway answers a route key it does not know with 404, and every error of this API
    // is application/problem+json (DESIGN §3); the local gateway should not differ.
    let app = App::start(true).await;
    let tok = owner(DEMO);
    let id = ulid::Ulid::new().to_string();
    for (method, path) in [
        (Method::DELETE, format!("/leads/{id}")),
        (Method::PUT, "/leads".to_owned()),
        (Method::GET, "/public/demo/leads".to_owned()),
        (Method::POST, "/openapi.json".to_owned()),
        (Method::DELETE, "/leads/board".to_owned()),
    ] {
        assert!(
            find(method.as_str(), &path).is_none(),
            "{method} {path} is a route"
        );
        let r = app.call(method.clone(), &path, Some(&tok), None).await;
        assert!(
            r.status == StatusCode::NOT_FOUND || r.status == StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}: {} {}",
            r.status,
            r.text
        );
        r.assert_problem(r.status);
    }
}
