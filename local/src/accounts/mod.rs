//! Signing in to crm-local without an identity provider (the cloud signs in with Cognito):
//! the first-run setup of a business and its owner, email and password sign-in, invite links,
//! refresh and sign-out. None of it is in the route table or the template: it is this
//! server's, as the identity provider is the cloud's.
//!
//! Sessions are kept in the store, behind an HttpOnly, SameSite=Strict cookie scoped to
//! `/auth` (`<session id>.<secret>`, only the secret's SHA-256 stored); the app holds a
//! 15-minute access token in memory and refreshes it from the cookie. Server-side sessions
//! rather than a signed refresh token, because signing out (here, everywhere, or by being
//! removed) must end them at once, and a store read per refresh is nothing on one machine.
//! The access token names the membership and its version; the dispatcher refuses it as soon
//! as the member is removed or their role changes.

pub mod password;
pub mod throttle;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, TimeDelta, Utc};
use crm_functions::usecases::onboarding::{self, Owner};
use crm_functions::Ctx;
use crm_shared::adapters::invite_links::{new_token, token_sha256};
use crm_shared::domain::member::{password_problem, Member, MemberStatus, Role};
use crm_shared::domain::tenant::{NewBusiness, NEW_BUSINESS_FIELDS};
use crm_shared::domain::validation::Fields;
use crm_shared::http::auth::{Claims, MembershipRef};
use crm_shared::http::problem::ApiError;
use crm_shared::http::request::json_object;
use crm_shared::http::token;
use crm_shared::store::accounts::{self, Session};
use crm_shared::store::{members, tenants};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::oidc::OidcVerifier;
use throttle::Throttle;

/// How long an access token lives: the app refreshes it from its session before then.
pub const ACCESS_TOKEN_SECONDS: i64 = 15 * 60;
/// How long a session lives without being used to refresh.
pub const SESSION_DAYS: i64 = 30;
pub const SESSION_COOKIE: &str = "crm_session";

#[derive(Clone)]
struct Accounts {
    ctx: Ctx,
    secret: Arc<Vec<u8>>,
    throttle: Arc<Throttle>,
    /// Cookies only over https (`CRM_PUBLIC_URL` is https).
    secure: bool,
    oidc: Option<OidcVerifier>,
}

/// The `/auth/*` routes.
pub fn router(ctx: Ctx, secret: Arc<Vec<u8>>, secure: bool, oidc: Option<OidcVerifier>) -> Router {
    Router::new()
        .route("/auth/status", get(status))
        .route("/auth/setup", post(setup))
        .route("/auth/sign-in", post(sign_in))
        .route("/auth/oidc", post(sign_in_oidc))
        .route("/auth/refresh", post(refresh))
        .route("/auth/sign-out", post(sign_out))
        .route(
            "/auth/invites/{token}",
            get(show_invite).post(accept_invite),
        )
        .with_state(Accounts {
            ctx,
            secret,
            throttle: Arc::default(),
            secure,
            oidc,
        })
}

/// A problem+json answer.
fn problem(e: ApiError) -> Response {
    let mut response = (
        e.status(),
        [(header::CONTENT_TYPE, "application/problem+json")],
        e.body().to_string(),
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let ApiError::TooManyRequests { retry_after } = e {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    }
    response
}

fn answer(result: Result<Response, ApiError>) -> Response {
    result.unwrap_or_else(problem)
}

/// A password field, checked against the rules (the 422 names the rule it breaks).
fn new_password(f: &mut Fields, input: &Map<String, Value>, email: &str) -> Option<String> {
    match input.get("password") {
        Some(Value::String(p)) => match password_problem(p, email) {
            None => Some(p.clone()),
            Some(rule) => {
                f.error("password", rule);
                None
            }
        },
        Some(_) => {
            f.error("password", "must be a string");
            None
        }
        None => {
            f.error("password", "is required");
            None
        }
    }
}

/// `GET /auth/status`: what the app's sign-in screen offers.
async fn status(State(a): State<Accounts>) -> Response {
    answer(
        async {
            let set_up = accounts::any_member(a.ctx.store.as_ref()).await?;
            Ok(no_store(
                StatusCode::OK,
                json!({"setup_needed": !set_up, "password_sign_in": true}),
            ))
        }
        .await,
    )
}

fn no_store(status: StatusCode, body: Value) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body.to_string(),
    )
        .into_response()
}

/// What a signed-in app gets.
#[derive(Serialize)]
struct SignedIn {
    access_token: String,
    token_type: &'static str,
    expires_in: i64,
    tenant_id: String,
    role: Role,
    email: String,
    /// Every business the person may sign in to (`tenant` on sign-in picks one).
    tenants: Vec<TenantChoice>,
}

#[derive(Serialize)]
struct TenantChoice {
    tenant_id: String,
    role: Role,
}

/// The access token for `member`, and the session cookie when a new session opens.
fn access_token(a: &Accounts, member: &Member, now: DateTime<Utc>) -> Result<String, ApiError> {
    let claims = Claims {
        tenant_id: member.tenant_id.clone(),
        role: member.role,
        sub: member.sub.clone().unwrap_or_default(),
        membership: Some(MembershipRef {
            id: member.id.clone(),
            version: member.version,
        }),
    };
    token::issue(&claims, &a.secret, now.timestamp(), ACCESS_TOKEN_SECONDS)
        .map_err(|e| ApiError::Internal(e.to_string()))
}

fn cookie(a: &Accounts, value: &str, max_age: i64) -> HeaderValue {
    let secure = if a.secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; Path=/auth; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("crm_session=; Path=/auth; Max-Age=0"))
}

/// Opens a session for `member` of account `email` at `epoch` and answers signed in.
async fn signed_in(
    a: &Accounts,
    email: &str,
    epoch: u64,
    member: &Member,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let now = a.ctx.clock.now();
    let secret = new_token().map_err(|e| ApiError::Internal(e.to_string()))?;
    let session = Session {
        id: ulid::Ulid::new().to_string(),
        secret_sha256: token_sha256(&secret),
        email: email.to_owned(),
        tenant_id: member.tenant_id.clone(),
        member_id: member.id.clone(),
        epoch,
        created_at: now,
        expires: now + TimeDelta::days(SESSION_DAYS),
    };
    accounts::open_session(a.ctx.store.as_ref(), &session).await?;
    let mut response = signed_in_body(a, email, member, status, now).await?;
    response.headers_mut().insert(
        header::SET_COOKIE,
        cookie(
            a,
            &format!("{}.{secret}", session.id),
            SESSION_DAYS * 24 * 3600,
        ),
    );
    Ok(response)
}

async fn signed_in_body(
    a: &Accounts,
    email: &str,
    member: &Member,
    status: StatusCode,
    now: DateTime<Utc>,
) -> Result<Response, ApiError> {
    let tenants = members::of_person(a.ctx.store.as_ref(), email)
        .await?
        .into_iter()
        .filter(|m| m.status == MemberStatus::Active)
        .map(|m| TenantChoice {
            tenant_id: m.tenant_id,
            role: m.role,
        })
        .collect();
    let body = SignedIn {
        access_token: access_token(a, member, now)?,
        token_type: "Bearer",
        expires_in: ACCESS_TOKEN_SECONDS,
        tenant_id: member.tenant_id.clone(),
        role: member.role,
        email: email.to_owned(),
        tenants,
    };
    Ok(no_store(
        status,
        serde_json::to_value(&body).map_err(|e| ApiError::Internal(e.to_string()))?,
    ))
}

/// `POST /auth/setup {business_name, country, time_zone, currency, email, password}`: the
/// first business and its owner, signed in. Only while nobody is a member of anything: after
/// that, people join by invitation (409).
async fn setup(
    State(a): State<Accounts>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> Response {
    answer(
        async {
            let ip = format!("ip:{}", peer.ip());
            throttled(&a, &[&ip])?;
            let input = json_object(&body)?;
            let mut f = Fields::default();
            let mut known = NEW_BUSINESS_FIELDS.to_vec();
            known.extend(["email", "password"]);
            f.reject_unknown(&input, &known);
            let business = NewBusiness::read(&mut f, &input);
            let email = f.required_email(&input, "email");
            let password = new_password(&mut f, &input, email.as_deref().unwrap_or(""));
            let (Some(business), Some(email), Some(password)) = (business, email, password) else {
                return Err(ApiError::Validation(f.errors));
            };
            if !f.errors.is_empty() {
                return Err(ApiError::Validation(f.errors));
            }
            onboarding::tenant_id_for(&business)?;
            let store = a.ctx.store.as_ref();
            if accounts::any_member(store).await? {
                return Err(already_set_up());
            }
            let now = a.ctx.clock.now();
            let hash = password::hash(password).await.map_err(ApiError::Internal)?;
            let before = accounts::account(store, &email).await?;
            let (account, write) = accounts::password_writes(&email, before.as_ref(), &hash, now)?;
            let founded = onboarding::found_business(
                store,
                &business,
                Owner {
                    email: &email,
                    sub: Some(&account.sub),
                    invited_by: "setup",
                },
                vec![write, accounts::setup_done_write(now)],
                now,
            )
            .await;
            let member = match founded {
                Ok((_, member)) => member,
                // Another setup got there first.
                Err(ApiError::Conflict { extra, .. })
                    if extra["conflict"] == accounts::SETUP_DONE =>
                {
                    return Err(already_set_up());
                }
                Err(e) => return Err(e),
            };
            tracing::info!(tenant = %member.tenant_id, "first-run setup done");
            signed_in(&a, &email, account.epoch, &member, StatusCode::CREATED).await
        }
        .await,
    )
}

fn already_set_up() -> ApiError {
    ApiError::conflict(
        "this server is set up already: sign in, or ask an owner to invite you",
        json!({"conflict": "setup"}),
    )
}

/// 429 with `Retry-After` while any of `keys` must wait.
fn throttled(a: &Accounts, keys: &[&str]) -> Result<(), ApiError> {
    let wait = a.throttle.wait(keys, Instant::now());
    if wait.is_zero() {
        Ok(())
    } else {
        Err(ApiError::TooManyRequests {
            retry_after: wait.as_secs().max(1),
        })
    }
}

/// The one answer to a failed sign-in, whatever failed.
fn wrong_credentials() -> ApiError {
    ApiError::UnauthorizedBecause("the email or password is wrong".into())
}

/// `POST /auth/sign-in {email, password, tenant?}`.
async fn sign_in(
    State(a): State<Accounts>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> Response {
    answer(
        async {
            let input = json_object(&body)?;
            let email = input
                .get("email")
                .and_then(Value::as_str)
                .unwrap_or("")
                .trim()
                .to_lowercase();
            let password = input
                .get("password")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let tenant = input.get("tenant").and_then(Value::as_str);
            let ip = format!("ip:{}", peer.ip());
            let account_key = format!("account:{email}");
            throttled(&a, &[&ip, &account_key])?;
            let store = a.ctx.store.as_ref();
            let account = if email.is_empty() || email.len() > 254 {
                None
            } else {
                accounts::account(store, &email).await?
            };
            let good =
                password::verify(password, account.as_ref().map(|x| x.password_hash.clone())).await;
            let member = match (&account, good) {
                (Some(_), true) => members::of_person(store, &email)
                    .await?
                    .into_iter()
                    .filter(|m| m.status == MemberStatus::Active)
                    .find(|m| tenant.is_none_or(|t| t == m.tenant_id)),
                _ => None,
            };
            let (Some(account), Some(member)) = (account, member) else {
                a.throttle.failed(&[&ip, &account_key], Instant::now());
                tracing::info!(ip = %peer.ip(), "sign-in refused");
                return Err(wrong_credentials());
            };
            a.throttle.succeeded(&account_key);
            tracing::info!(tenant = %member.tenant_id, member_id = %member.id, "signed in");
            signed_in(&a, &email, account.epoch, &member, StatusCode::OK).await
        }
        .await,
    )
}

/// `POST /auth/oidc {id_token, nonce, tenant?}`: an identity provider's ID token, verified
/// against its published keys, for a session here. The verified email must belong to a
/// member: an unknown person gets a 403 that says so, never a token.
async fn sign_in_oidc(State(a): State<Accounts>, body: Bytes) -> Response {
    answer(
        async {
            let Some(verifier) = &a.oidc else {
                return Err(ApiError::NotFound("identity provider"));
            };
            let input = json_object(&body)?;
            let id_token = input.get("id_token").and_then(Value::as_str).unwrap_or("");
            let nonce = input.get("nonce").and_then(Value::as_str);
            let tenant = input.get("tenant").and_then(Value::as_str);
            let identity = verifier.verify(id_token, nonce).await?;
            let Some(email) = identity.verified_email().map(str::to_lowercase) else {
                return Err(ApiError::ForbiddenBecause(
                    "your identity provider did not confirm your email address".into(),
                ));
            };
            let store = a.ctx.store.as_ref();
            let member = members::of_person(store, &email)
                .await?
                .into_iter()
                .find(|m| tenant.is_none_or(|t| t == m.tenant_id))
                .ok_or_else(|| {
                    ApiError::ForbiddenBecause(format!(
                        "{email} is not a member of any business here; ask its owner to invite you"
                    ))
                })?;
            let sub = format!("{}|{}", identity.issuer, identity.sub);
            let member = members::activate(
                store,
                &member.tenant_id,
                &member.id,
                &sub,
                a.ctx.clock.now(),
            )
            .await?;
            // No password account: the session's epoch is the member's version.
            signed_in(&a, &email, 0, &member, StatusCode::OK).await
        }
        .await,
    )
}

/// The session the request's cookie names, if its secret matches and it is still good.
async fn cookie_session(a: &Accounts, headers: &HeaderMap) -> Result<Option<Session>, ApiError> {
    let Some(value) = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().strip_prefix(SESSION_COOKIE)?.strip_prefix('='))
        .next()
    else {
        return Ok(None);
    };
    let Some((id, secret)) = value.split_once('.') else {
        return Ok(None);
    };
    if id.len() > 40 {
        return Ok(None);
    }
    let now = a.ctx.clock.now();
    let Some(session) = accounts::session(a.ctx.store.as_ref(), id, now).await? else {
        return Ok(None);
    };
    // Hashes are compared, not secrets: timing tells nothing usable about the secret.
    Ok((session.secret_sha256 == token_sha256(secret)).then_some(session))
}

/// `POST /auth/refresh`: a new access token from the session cookie, while the session, the
/// account's epoch and the membership all still stand (401 and the cookie cleared otherwise).
async fn refresh(State(a): State<Accounts>, headers: HeaderMap) -> Response {
    let result = async {
        let session = cookie_session(&a, &headers)
            .await?
            .ok_or(ApiError::Unauthorized)?;
        let store = a.ctx.store.as_ref();
        if session.epoch > 0 {
            let account = accounts::account(store, &session.email).await?;
            if account.is_none_or(|acc| acc.epoch != session.epoch) {
                return Err(ApiError::Unauthorized);
            }
        }
        let member = members::get(store, &session.tenant_id, &session.member_id)
            .await?
            .filter(|m| m.status == MemberStatus::Active)
            .ok_or(ApiError::Unauthorized)?;
        signed_in_body(
            &a,
            &session.email,
            &member,
            StatusCode::OK,
            a.ctx.clock.now(),
        )
        .await
    }
    .await;
    match result {
        Ok(r) => r,
        Err(e) => {
            let mut r = problem(e);
            r.headers_mut()
                .insert(header::SET_COOKIE, cookie(&a, "", 0));
            r
        }
    }
}

/// `POST /auth/sign-out {everywhere?}`: ends this session (and, with `everywhere`, every
/// session of the person). Always clears the cookie.
async fn sign_out(State(a): State<Accounts>, headers: HeaderMap, body: Bytes) -> Response {
    let everywhere = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("everywhere").and_then(Value::as_bool))
        .unwrap_or(false);
    let result = async {
        if let Some(session) = cookie_session(&a, &headers).await? {
            let store = a.ctx.store.as_ref();
            accounts::close_session(store, &session.id).await?;
            if everywhere && session.epoch > 0 {
                accounts::sign_out_everywhere(store, &session.email).await?;
            }
        }
        Ok::<_, ApiError>(())
    }
    .await;
    let mut response = match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => problem(e),
    };
    response
        .headers_mut()
        .insert(header::SET_COOKIE, cookie(&a, "", 0));
    response
}

/// `GET /auth/invites/{token}`: what an invite link is for (410 when used or expired).
async fn show_invite(State(a): State<Accounts>, Path(token): Path<String>) -> Response {
    answer(
        async {
            let store = a.ctx.store.as_ref();
            let invite = accounts::invite(store, &token_sha256(&token), a.ctx.clock.now())
                .await?
                .ok_or(accounts::AccountError::InviteGone)?;
            let business = tenants::get(store, &invite.tenant_id)
                .await?
                .map(|s| s.business_name)
                .unwrap_or_default();
            let has_account = accounts::account(store, &invite.email).await?.is_some();
            Ok(no_store(
                StatusCode::OK,
                json!({
                    "email": invite.email,
                    "business_name": business,
                    "tenant_id": invite.tenant_id,
                    "purpose": invite.purpose,
                    "has_account": has_account,
                    "expires": invite.expires,
                }),
            ))
        }
        .await,
    )
}

/// `POST /auth/invites/{token} {password}`: joins (or sets a new password) and signs in.
/// Works once; 410 when used or expired; 422 naming the password rule it breaks.
async fn accept_invite(
    State(a): State<Accounts>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    body: Bytes,
) -> Response {
    answer(
        async {
            let ip = format!("ip:{}", peer.ip());
            throttled(&a, &[&ip])?;
            let store = a.ctx.store.as_ref();
            let now = a.ctx.clock.now();
            let sha = token_sha256(&token);
            let Some(invite) = accounts::invite(store, &sha, now).await? else {
                a.throttle.failed(&[&ip], Instant::now());
                return Err(accounts::AccountError::InviteGone.into());
            };
            let input = json_object(&body)?;
            let mut f = Fields::default();
            f.reject_unknown(&input, &["password"]);
            let password = new_password(&mut f, &input, &invite.email);
            let Some(password) = f.finish(password).map_err(ApiError::Validation)? else {
                return Err(ApiError::field("password", "is required"));
            };
            let hash = password::hash(password).await.map_err(ApiError::Internal)?;
            let (account, member) = accounts::accept_invite(store, &sha, &hash, now).await?;
            tracing::info!(tenant = %member.tenant_id, member_id = %member.id, "invite accepted");
            signed_in(&a, &account.email, account.epoch, &member, StatusCode::OK).await
        }
        .await,
    )
}
