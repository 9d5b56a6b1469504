//! Accounts on one machine (issue 15), through the real sockets of crm-local on a fresh data
//! dir with no demo tenant: first-run setup, invites, sign-in, roles, removal, sign-out.

mod common;

use common::{App, Resp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const OWNER_EMAIL: &str = "niamh@harbourspa.ie";
const OWNER_PASSWORD: &str = "harbour lights at dusk";
const STAFF_EMAIL: &str = "ciara@harbourspa.ie";
const STAFF_PASSWORD: &str = "seals on the slipway";

fn business() -> Value {
    json!({
        "business_name": "Harbour Spa",
        "country": "IE",
        "time_zone": "Europe/Dublin",
        "currency": "EUR",
        "email": OWNER_EMAIL,
        "password": OWNER_PASSWORD,
    })
}

async fn anon(app: &App, method: Method, path: &str, body: Option<&Value>) -> Resp {
    app.call(method, path, None, body).await
}

/// The `crm_session=…` pair of a response's Set-Cookie (what a browser sends back).
fn session_cookie(r: &Resp) -> String {
    let set = r
        .header("set-cookie")
        .unwrap_or_else(|| panic!("a Set-Cookie: {}", r.text));
    assert!(set.contains("HttpOnly"), "{set}");
    assert!(set.contains("SameSite=Strict"), "{set}");
    assert!(set.contains("Path=/auth"), "{set}");
    set.split(';').next().unwrap_or_default().to_owned()
}

fn access_token(r: &Resp) -> String {
    r.body["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("an access token: {}", r.text))
        .to_owned()
}

/// `POST /auth/sign-in` with an email and password.
async fn sign_in(app: &App, email: &str, password: &str) -> Resp {
    let body = json!({"email": email, "password": password});
    anon(app, Method::POST, "/auth/sign-in", Some(&body)).await
}

async fn with_cookie(app: &App, path: &str, cookie: &str) -> Resp {
    common::send(app.req(Method::POST, path).header("cookie", cookie)).await
}

/// The token of an invite link (`…/admin/invite#<token>`).
fn invite_token(invited: &Resp) -> String {
    let url = invited.body["invitation"]["url"]
        .as_str()
        .or_else(|| invited.body["url"].as_str())
        .unwrap_or_else(|| panic!("an invite link: {}", invited.text));
    assert!(url.contains("/admin/invite#"), "{url}");
    url.rsplit('#').next().unwrap_or_default().to_owned()
}

async fn set_up(app: &App) -> Resp {
    let r = anon(app, Method::POST, "/auth/setup", Some(&business())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r
}

#[tokio::test]
async fn a_business_is_set_up_staffed_and_signed_into_without_dev_sign_in() {
    let app = App::start(false).await;
    let status = anon(&app, Method::GET, "/auth/status", None).await;
    assert_eq!(status.body["setup_needed"], json!(true), "{}", status.text);

    // Setup: refused with the rule a weak password breaks, then done.
    let mut weak = business();
    weak["password"] = json!("short");
    let r = anon(&app, Method::POST, "/auth/setup", Some(&weak)).await;
    r.assert_fields(&["password"]);
    assert!(r.text.contains("at least 12 characters"), "{}", r.text);
    let setup = set_up(&app).await;
    assert_eq!(setup.body["tenant_id"], json!("harbour-spa"));
    assert_eq!(setup.body["role"], json!("owner"));
    let owner_cookie = session_cookie(&setup);
    let owner = access_token(&setup);
    let status = anon(&app, Method::GET, "/auth/status", None).await;
    assert_eq!(status.body["setup_needed"], json!(false));
    let again = anon(&app, Method::POST, "/auth/setup", Some(&business())).await;
    again.assert_problem(StatusCode::CONFLICT);

    // The owner works in the business and sees themself as its member.
    let settings = app.get("/settings", &owner).await;
    assert_eq!(settings.status, StatusCode::OK, "{}", settings.text);
    assert_eq!(settings.body["business_name"], json!("Harbour Spa"));
    assert_eq!(settings.body["time_zone"], json!("Europe/Dublin"));
    let members = app.get("/members", &owner).await;
    assert_eq!(members.body["items"][0]["email"], json!(OWNER_EMAIL));
    assert_eq!(members.body["items"][0]["status"], json!("active"));

    // The owner invites staff; the link works once.
    let invited = app
        .post(
            "/members",
            &owner,
            &json!({"email": STAFF_EMAIL, "role": "staff"}),
        )
        .await;
    assert_eq!(invited.status, StatusCode::CREATED, "{}", invited.text);
    assert_eq!(invited.body["member"]["status"], json!("invited"));
    assert_eq!(invited.body["invitation"]["delivery"], json!("link"));
    let twice = app
        .post(
            "/members",
            &owner,
            &json!({"email": STAFF_EMAIL, "role": "admin"}),
        )
        .await;
    twice.assert_problem(StatusCode::CONFLICT);
    let token = invite_token(&invited);
    let shown = anon(&app, Method::GET, &format!("/auth/invites/{token}"), None).await;
    assert_eq!(shown.body["email"], json!(STAFF_EMAIL), "{}", shown.text);
    assert_eq!(shown.body["business_name"], json!("Harbour Spa"));
    let weak = anon(
        &app,
        Method::POST,
        &format!("/auth/invites/{token}"),
        Some(&json!({"password": "ciara@harbourspa"})),
    )
    .await;
    weak.assert_fields(&["password"]);
    let accepted = anon(
        &app,
        Method::POST,
        &format!("/auth/invites/{token}"),
        Some(&json!({"password": STAFF_PASSWORD})),
    )
    .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text);
    assert_eq!(accepted.body["role"], json!("staff"));
    let reused = anon(
        &app,
        Method::POST,
        &format!("/auth/invites/{token}"),
        Some(&json!({"password": STAFF_PASSWORD})),
    )
    .await;
    reused.assert_problem(StatusCode::GONE);

    // Staff sign in with their password and may do only what staff do.
    let wrong = sign_in(&app, STAFF_EMAIL, "not the password").await;
    wrong.assert_problem(StatusCode::UNAUTHORIZED);
    let unknown = sign_in(&app, "nobody@harbourspa.ie", "not the password").await;
    assert_eq!(
        unknown.body["detail"], wrong.body["detail"],
        "the same answer"
    );
    let signed_in = sign_in(&app, STAFF_EMAIL, STAFF_PASSWORD).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.text);
    let staff = access_token(&signed_in);
    let staff_cookie = session_cookie(&signed_in);
    assert_eq!(app.get("/leads", &staff).await.status, StatusCode::OK);
    app.get("/settings", &staff)
        .await
        .assert_problem(StatusCode::FORBIDDEN);
    app.post(
        "/members",
        &staff,
        &json!({"email": "x@y.ie", "role": "staff"}),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN);
    let refreshed = with_cookie(&app, "/auth/refresh", &staff_cookie).await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.text);

    // The last owner can be neither demoted nor removed.
    let owner_id = members.body["items"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    app.call(
        Method::PATCH,
        &format!("/members/{owner_id}"),
        Some(&owner),
        Some(&json!({"role": "admin"})),
    )
    .await
    .assert_problem(StatusCode::CONFLICT);
    app.call(
        Method::DELETE,
        &format!("/members/{owner_id}"),
        Some(&owner),
        None,
    )
    .await
    .assert_problem(StatusCode::CONFLICT);

    // The owner removes the staff member: their token and session stop at once.
    let staff_id = invited.body["member"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let removed = app
        .call(
            Method::DELETE,
            &format!("/members/{staff_id}"),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.text);
    app.get("/leads", &staff)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
    with_cookie(&app, "/auth/refresh", &staff_cookie)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
    let again = sign_in(&app, STAFF_EMAIL, STAFF_PASSWORD).await;
    again.assert_problem(StatusCode::UNAUTHORIZED);

    // Signing out ends the owner's session (the cookie no longer refreshes).
    let out = with_cookie(&app, "/auth/sign-out", &owner_cookie).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT, "{}", out.text);
    with_cookie(&app, "/auth/refresh", &owner_cookie)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn admins_invite_staff_only_and_a_role_change_ends_the_old_token() {
    let app = App::start(false).await;
    let owner = access_token(&set_up(&app).await);
    let invited = app
        .post(
            "/members",
            &owner,
            &json!({"email": "aoife@harbourspa.ie", "role": "admin"}),
        )
        .await;
    let token = invite_token(&invited);
    let joined = anon(
        &app,
        Method::POST,
        &format!("/auth/invites/{token}"),
        Some(&json!({"password": "kelp forest at noon"})),
    )
    .await;
    let admin = access_token(&joined);
    app.post(
        "/members",
        &admin,
        &json!({"email": "b@harbourspa.ie", "role": "admin"}),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN);
    let staff = app
        .post(
            "/members",
            &admin,
            &json!({"email": "c@harbourspa.ie", "role": "staff"}),
        )
        .await;
    assert_eq!(staff.status, StatusCode::CREATED, "{}", staff.text);
    let bad = app
        .post(
            "/members",
            &admin,
            &json!({"email": "not an email", "role": "boss"}),
        )
        .await;
    bad.assert_fields(&["email", "role"]);

    // The owner makes the admin staff: the admin's token is refused, a new one is staff.
    let admin_id = invited.body["member"]["id"].as_str().unwrap_or_default();
    let changed = app
        .call(
            Method::PATCH,
            &format!("/members/{admin_id}"),
            Some(&owner),
            Some(&json!({"role": "staff"})),
        )
        .await;
    assert_eq!(changed.body["role"], json!("staff"), "{}", changed.text);
    app.get("/members", &admin)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
    let cookie = session_cookie(&joined);
    let refreshed = with_cookie(&app, "/auth/refresh", &cookie).await;
    assert_eq!(refreshed.body["role"], json!("staff"), "{}", refreshed.text);
    app.get("/members", &access_token(&refreshed))
        .await
        .assert_problem(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn another_business_cannot_see_or_touch_this_ones_members() {
    let app = App::start(false).await;
    let owner = access_token(&set_up(&app).await);
    let members = app.get("/members", &owner).await;
    let owner_id = members.body["items"][0]["id"].as_str().unwrap_or_default();
    app.add_tenant("other").await;
    let other = common::owner("other");
    let list = app.get("/members", &other).await;
    assert_eq!(list.body["items"], json!([]), "{}", list.text);
    for (method, path) in [
        (Method::PATCH, format!("/members/{owner_id}")),
        (Method::DELETE, format!("/members/{owner_id}")),
        (Method::POST, format!("/members/{owner_id}/invitation")),
    ] {
        app.call(method, &path, Some(&other), Some(&json!({"role": "staff"})))
            .await
            .assert_problem(StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn failed_sign_ins_are_slowed_and_reserved_or_taken_names_refused() {
    let app = App::start(false).await;
    let mut reserved = business();
    reserved["business_name"] = json!("Admin");
    let r = anon(&app, Method::POST, "/auth/setup", Some(&reserved)).await;
    r.assert_fields(&["business_name"]);
    assert!(r.text.contains("reserved"), "{}", r.text);
    set_up(&app).await;

    // The same name again is the same tenant id: a conflict naming it.
    let store = app.server.ctx.store.as_ref();
    let same = crm_shared::domain::tenant::NewBusiness {
        name: "Harbour  Spa!".into(),
        country: "IE".into(),
        time_zone: "Europe/Dublin".into(),
        currency: "EUR".into(),
    };
    let taken = crm_functions::usecases::onboarding::found_business(
        store,
        &same,
        crm_functions::usecases::onboarding::Owner {
            email: "someone@else.ie",
            sub: None,
            invited_by: "operator",
        },
        Vec::new(),
        app.now(),
    )
    .await;
    match taken {
        Err(e) => {
            assert_eq!(e.status(), StatusCode::CONFLICT);
            assert_eq!(e.body()["tenant_id"], json!("harbour-spa"));
        }
        Ok(_) => panic!("a second Harbour Spa should be refused"),
    }

    let mut last = None;
    for _ in 0..7 {
        last = Some(sign_in(&app, OWNER_EMAIL, "guess guess guess").await);
    }
    let last = last.unwrap_or_else(|| panic!("a response"));
    last.assert_problem(StatusCode::TOO_MANY_REQUESTS);
    assert!(last.header("retry-after").is_some(), "{:?}", last.headers);
    // Even the right password waits its turn.
    let right = sign_in(&app, OWNER_EMAIL, OWNER_PASSWORD).await;
    right.assert_problem(StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_reset_link_sets_a_new_password_and_ends_every_session() {
    let app = App::start(false).await;
    let owner = access_token(&set_up(&app).await);
    let invited = app
        .post(
            "/members",
            &owner,
            &json!({"email": STAFF_EMAIL, "role": "staff"}),
        )
        .await;
    let joined = anon(
        &app,
        Method::POST,
        &format!("/auth/invites/{}", invite_token(&invited)),
        Some(&json!({"password": STAFF_PASSWORD})),
    )
    .await;
    let old_session = session_cookie(&joined);
    let staff_id = invited.body["member"]["id"].as_str().unwrap_or_default();

    // The owner asks for a reset link for the active member.
    let reset = app
        .post(
            &format!("/members/{staff_id}/invitation"),
            &owner,
            &json!({}),
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.text);
    let token = invite_token(&reset);
    let shown = anon(&app, Method::GET, &format!("/auth/invites/{token}"), None).await;
    assert_eq!(shown.body["purpose"], json!("reset"), "{}", shown.text);
    assert_eq!(shown.body["has_account"], json!(true));
    let new_password = "tide tables and lighthouses";
    let done = anon(
        &app,
        Method::POST,
        &format!("/auth/invites/{token}"),
        Some(&json!({"password": new_password})),
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);

    // The old password and the old session are gone; the new password signs in.
    with_cookie(&app, "/auth/refresh", &old_session)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
    let old = sign_in(&app, STAFF_EMAIL, STAFF_PASSWORD).await;
    old.assert_problem(StatusCode::UNAUTHORIZED);
    let new = sign_in(&app, STAFF_EMAIL, new_password).await;
    assert_eq!(new.status, StatusCode::OK, "{}", new.text);

    // Signing out everywhere ends the new session and any other.
    let a = session_cookie(&new);
    let b = session_cookie(&done);
    let out = common::send(
        app.req(Method::POST, "/auth/sign-out")
            .header("cookie", &a)
            .json(&json!({"everywhere": true})),
    )
    .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT, "{}", out.text);
    with_cookie(&app, "/auth/refresh", &b)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_invite_link_expires_after_seven_days() {
    let app = App::start_fixed(false).await;
    set_up(&app).await;
    // A token that names no membership (the tests' own, signed with the server's secret):
    // the fixed clock is weeks behind the real one that checks a session token's expiry.
    let owner = common::owner("harbour-spa");
    let invited = app
        .post(
            "/members",
            &owner,
            &json!({"email": STAFF_EMAIL, "role": "staff"}),
        )
        .await;
    assert_eq!(invited.status, StatusCode::CREATED, "{}", invited.text);
    let token = invite_token(&invited);
    app.advance(chrono::Duration::days(7) + chrono::Duration::minutes(1));
    anon(&app, Method::GET, &format!("/auth/invites/{token}"), None)
        .await
        .assert_problem(StatusCode::GONE);
    anon(
        &app,
        Method::POST,
        &format!("/auth/invites/{token}"),
        Some(&json!({"password": STAFF_PASSWORD})),
    )
    .await
    .assert_problem(StatusCode::GONE);
}

#[tokio::test]
async fn two_setups_at_once_make_one_business() {
    let app = App::start(false).await;
    let mut other = business();
    other["business_name"] = json!("Quay Street Barbers");
    other["email"] = json!("owner@quaystreet.ie");
    let first = business();
    let (a, b) = tokio::join!(
        anon(&app, Method::POST, "/auth/setup", Some(&first)),
        anon(&app, Method::POST, "/auth/setup", Some(&other)),
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409], "{} / {}", a.text, b.text);
    let tenants = crm_shared::store::tenants::all_ids(app.server.ctx.store.as_ref())
        .await
        .unwrap_or_default();
    assert_eq!(tenants.len(), 1, "{tenants:?}");
}
