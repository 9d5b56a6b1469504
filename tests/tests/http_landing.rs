//! `GET /p/{tenant}/book` and crm-local's local-only extras (issue 6), through real sockets:
//! the page carries the ad click into its form, its no-JS post lands the lead with that
//! attribution, unknown tenants get a 404 page, and the dev sign-in's tokens open the admin API.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_carries_the_ad_click_and_its_form_post_keeps_it() {
    let app = App::start(true).await;
    let r = send(app.req(
        Method::GET,
        "/p/demo/book?utm_source=facebook&utm_campaign=%22%3E%3Cscript%3Ex%3C%2Fscript%3E&fbclid=IwAR-1&nope=1",
    ))
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.content_type().starts_with("text/html"),
        "{}",
        r.content_type()
    );
    assert!(r.text.len() < 30 * 1024, "{} bytes", r.text.len());
    assert!(
        r.text.contains("<h1>Relax at Demo Day Spa</h1>"),
        "the seeded headline"
    );
    assert!(r.text.contains("Rated 4.8 out of 5 from 212 reviews"));
    assert!(r
        .text
        .contains(r#"<input type="hidden" name="utm_source" value="facebook">"#));
    assert!(r.text.contains(
        r#"<input type="hidden" name="utm_campaign" value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;">"#
    ));
    assert!(!r.text.contains("<script>x"), "query text is escaped");
    assert!(
        !r.text.contains("name=\"nope\""),
        "only attribution parameters travel"
    );
    assert!(!r.text.contains("fbevents"), "no pixel without a pixel id");

    // The form as a browser without JavaScript sends it.
    let form = [
        ("name", "Nell Form"),
        ("phone", "087 555 0303"),
        ("service", "Facial"),
        ("message", ""),
        ("website", ""),
        ("utm_source", "facebook"),
        ("utm_campaign", "spring"),
        ("fbclid", "IwAR-1"),
    ];
    let posted = send(app.req(Method::POST, "/public/demo/leads").form(&form)).await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.text);
    let location = posted.header("location").unwrap_or_default();
    assert!(
        location.starts_with(&format!("{DEMO_REDIRECT}?lead_id=")),
        "{location}"
    );
    let owner = admin(DEMO);
    let found = app.get("/leads?q=Nell", &owner).await;
    let lead = &found.body["items"][0];
    assert_eq!(lead["source"], json!("meta_ad"));
    assert_eq!(lead["touch"]["utm_campaign"], json!("spring"));
    assert_eq!(lead["touch"]["fbclid"], json!("IwAR-1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_tenant_gets_a_not_found_page() {
    let app = App::start(true).await;
    for path in ["/p/no-such-spa/book", "/p/Bad!Id/book"] {
        let r = send(app.req(Method::GET, path)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert!(r.content_type().starts_with("text/html"), "{path}");
        assert!(r.text.contains("does not exist"), "{path}: {}", r.text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_sign_in_issues_tokens_the_admin_api_accepts() {
    let app = App::start(true).await;
    let r = app
        .call(
            Method::POST,
            "/_local/token",
            None,
            Some(&json!({"tenant": "demo", "role": "staff"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let token = r.body["token"].as_str().unwrap_or_default().to_owned();
    assert_eq!(app.get("/leads/board", &token).await.status, StatusCode::OK);
    // Staff may not read the settings: the role in the token is the one asked for.
    assert_eq!(
        app.get("/settings", &token).await.status,
        StatusCode::FORBIDDEN
    );
    let bad = app
        .call(
            Method::POST,
            "/_local/token",
            None,
            Some(&json!({"tenant": "demo", "role": "king"})),
        )
        .await;
    bad.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_fields(&["role"]);
    // The app learns from its config.json that this server signs in locally (dev sign-in and
    // its own accounts) and has no identity provider.
    let config = send(app.req(Method::GET, "/admin/config.json")).await;
    assert_eq!(config.status, StatusCode::OK);
    assert_eq!(
        config.body,
        json!({"apiUrl": "", "devSignIn": true, "localAccounts": true, "oidc": null})
    );
    // /admin is not an API route: without a built app it says how to build one.
    let spa = send(app.req(Method::GET, "/admin/board")).await;
    assert!(
        spa.status == StatusCode::SERVICE_UNAVAILABLE || spa.status == StatusCode::OK,
        "{}",
        spa.status
    );
}

/// The dev sign-in mints a token for any tenant and role without asking who you are: a
/// server started without `CRM_DEV_SIGNIN` (a self-hosted one) does not have it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_dev_sign_in_there_is_no_token_endpoint() {
    let dir = TempDir::new();
    let config = crm_local::LocalConfig {
        port: 0,
        data_dir: dir.path().to_path_buf(),
        seed: true,
        jwt_secret: Some(SECRET.into()),
        dev_sign_in: false,
        oidc: None,
        poll_queues: false,
        public_url: None,
        sms_provider_token: None,
    };
    let server = crm_local::start(config).await.expect("server");
    let r = reqwest::Client::new()
        .post(format!("{}/_local/token", server.url()))
        .json(&json!({"tenant": "demo", "role": "owner"}))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    server.shutdown().await.expect("shutdown");
}

/// The owner edits what the page shows from `PATCH /settings` `landing`: keys given replace
/// their field, `null` clears one, keys left out stay, and bad values are named one by one
/// without changing anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_edits_the_landing_page_from_the_settings() {
    let app = App::start(true).await;
    let owner = owner(DEMO);
    let patch = |body: serde_json::Value| {
        let app = &app;
        let owner = owner.clone();
        async move {
            app.call(Method::PATCH, "/settings", Some(&owner), Some(&body))
                .await
        }
    };

    let bad = patch(json!({"landing": {
        "rating": 7, "logo_url": "http://plain.example/logo.png", "review_count": -1,
        "reply_within_minutes": 0, "headline": "<b>Hi</b>", "colour": "red"
    }}))
    .await;
    bad.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_fields(&[
        "landing.colour",
        "landing.headline",
        "landing.logo_url",
        "landing.rating",
        "landing.reply_within_minutes",
        "landing.review_count",
    ]);
    let page = send(app.req(Method::GET, "/p/demo/book")).await;
    assert!(
        page.text.contains("Rated 4.8 out of 5 from 212 reviews"),
        "unchanged after a 422"
    );

    let ok = patch(json!({"landing": {
        "headline": "Spring offers at Demo Day Spa", "rating": 4.66, "address": null,
        "reply_within_minutes": 10
    }}))
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert_eq!(
        ok.body["landing"]["headline"],
        json!("Spring offers at Demo Day Spa")
    );
    assert_eq!(
        ok.body["landing"]["review_count"],
        json!(212),
        "a key left out stays"
    );
    assert!(
        ok.body["landing"].get("address").is_none(),
        "null clears: {}",
        ok.body
    );

    let page = send(app.req(Method::GET, "/p/demo/book")).await;
    assert!(
        page.text.contains("<h1>Spring offers at Demo Day Spa</h1>"),
        "{}",
        page.text
    );
    assert!(page.text.contains("Rated 4.7 out of 5 from 212 reviews"));
    assert!(page.text.contains("We reply within 10 minutes"));

    // An admin runs the board but only the owner changes the page.
    let admin_token = admin(DEMO);
    let refused = app
        .call(
            Method::PATCH,
            "/settings",
            Some(&admin_token),
            Some(&json!({"landing": {"headline": "x"}})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

/// Every role reads what the screens show of the business (name, currency, zone) from
/// `GET /business`, for the tenant in its token only; the rest of the settings stay the
/// owner's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_reads_the_business_but_only_its_own() {
    let app = App::start(true).await;
    let r = app.get("/business", &common::staff(DEMO)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["business_name"], json!("Demo Day Spa"));
    assert_eq!(r.body["currency"], json!("EUR"));
    assert_eq!(r.body["time_zone"], json!("Europe/Dublin"));
    assert_eq!(r.body["landing_path"], json!("/p/demo/book"));
    assert_eq!(r.body["role"], json!("staff"));
    assert!(
        r.body.get("webhook_secret_set").is_none(),
        "not the settings"
    );
    app.get("/business", &common::staff("no-such-spa"))
        .await
        .assert_problem(StatusCode::NOT_FOUND);
}
