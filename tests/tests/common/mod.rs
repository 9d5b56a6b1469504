//! Shared helpers of the HTTP end-to-end tests: a real `crm-local` server on a free port in a
//! temporary data dir, tokens, and small request helpers that go through real sockets.

#![allow(dead_code)] // each test binary uses a different part of this module

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use crm_local::{LocalConfig, Server};
use crm_shared::domain::tenant::TenantSettings;
use crm_shared::http::auth::{Claims, Role};
use crm_shared::http::token;
use crm_shared::ports::clock::{Clock, FixedClock, SystemClock};
use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{json, Value};

pub const SECRET: &str = "test-secret";
pub const DEMO: &str = "demo";
pub const DEMO_REDIRECT: &str = "https://booking.example.com/demo-day-spa";
/// The leads the demo seed creates.
pub const DEMO_LEADS: usize = 12;
/// The SMS provider's auth token the test server checks `X-Twilio-Signature` with.
pub const TWILIO_AUTH_TOKEN: &str = "twilio-test-token";

/// A directory under the system temp dir, removed when dropped.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> Self {
        let path = std::env::temp_dir().join(format!("crm-tests-{}", ulid::Ulid::new()));
        std::fs::create_dir_all(&path).unwrap_or_else(|e| panic!("create {}: {e}", path.display()));
        Self(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Default for TempDir {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A mid-month instant, so that moving a fixed clock by hours never changes the month.
pub fn fixed_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 15, 12, 0, 0)
        .single()
        .unwrap_or_else(Utc::now)
}

/// A running server and an HTTP client for it.
pub struct App {
    pub server: Server,
    pub url: String,
    pub http: reqwest::Client,
    /// Set when the server runs on a clock the test moves.
    pub clock: Option<Arc<FixedClock>>,
    pub dir: TempDir,
}

impl App {
    /// A server on the system clock; `seed` creates the demo tenant with its 12 leads.
    pub async fn start(seed: bool) -> App {
        Self::open(TempDir::new(), seed, None).await
    }

    /// A server on a fixed clock starting at `fixed_start()`.
    pub async fn start_fixed(seed: bool) -> App {
        let clock = Arc::new(FixedClock::at(fixed_start()));
        Self::open(TempDir::new(), seed, Some(clock)).await
    }

    /// A server on `dir` (which may hold the data of an earlier server).
    pub async fn open(dir: TempDir, seed: bool, clock: Option<Arc<FixedClock>>) -> App {
        let config = LocalConfig {
            port: 0,
            data_dir: dir.path().to_path_buf(),
            seed,
            jwt_secret: Some(SECRET.into()),
            // On a fixed clock the test runs the queues itself (`App::drain`).
            dev_sign_in: true,
            oidc: None,
            poll_queues: clock.is_none(),
            public_url: None,
            sms_provider_token: Some(TWILIO_AUTH_TOKEN.into()),
        };
        let as_clock: Arc<dyn Clock> = match &clock {
            Some(c) => c.clone(),
            None => Arc::new(SystemClock),
        };
        let server = crm_local::start_with_clock(config, as_clock)
            .await
            .unwrap_or_else(|e| panic!("the server should start: {e}"));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|e| panic!("client: {e}"));
        App {
            url: server.url(),
            server,
            http,
            clock,
            dir,
        }
    }

    /// Shuts the server down gracefully and hands back its data dir.
    pub async fn shutdown(self) -> TempDir {
        let App { server, dir, .. } = self;
        server
            .shutdown()
            .await
            .unwrap_or_else(|e| panic!("graceful shutdown failed: {e}"));
        dir
    }

    /// Runs the queues' consumers until nothing is visible (on a fixed clock the server does
    /// not poll them itself); the number of messages handled.
    pub async fn drain(&self) -> usize {
        crm_local::workers::drain(&self.server.ctx)
            .await
            .unwrap_or_else(|e| panic!("drain: {e}"))
    }

    /// Moves the fixed clock (panics on a server with the system clock).
    pub fn advance(&self, by: chrono::Duration) {
        self.clock
            .as_ref()
            .unwrap_or_else(|| panic!("this server runs on the system clock"))
            .advance(by);
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.server.ctx.clock.now()
    }

    /// Creates a tenant (region IE) straight in the store.
    pub async fn add_tenant(&self, id: &str) {
        let settings = TenantSettings::new(id, &format!("Business {id}"), "IE", &redirect_of(id));
        crm_shared::store::tenants::create(self.server.ctx.store.as_ref(), &settings)
            .await
            .unwrap_or_else(|e| panic!("create tenant {id}: {e}"));
    }

    /// Raises `tenant`'s capture limits to their maximum, for tests that capture many leads
    /// from this one address within a minute.
    pub async fn lift_capture_limits(&self, tenant: &str) {
        let limits = serde_json::json!({"capture_limits": {
            "per_minute": 1_000_000, "per_client_per_minute": 1_000_000
        }});
        let r = self
            .call(
                Method::PATCH,
                "/settings",
                Some(&owner(tenant)),
                Some(&limits),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }

    pub fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, format!("{}{}", self.url, path))
    }

    /// Sends a request with an optional bearer token and JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Resp {
        let mut rb = self.req(method, path);
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        if let Some(b) = body {
            rb = rb.json(b);
        }
        send(rb).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Resp {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    /// A POST without a body (an action: start, cancel, complete).
    pub async fn post_empty(&self, path: &str, token: &str) -> Resp {
        self.call(Method::POST, path, Some(token), None).await
    }

    /// `POST /public/{tenant}/leads` with a JSON body.
    pub async fn capture(&self, tenant: &str, body: &Value) -> Resp {
        self.call(
            Method::POST,
            &format!("/public/{tenant}/leads"),
            None,
            Some(body),
        )
        .await
    }

    /// A capture that must answer 201; returns the lead id.
    pub async fn capture_ok(&self, tenant: &str, body: &Value) -> String {
        let r = self.capture(tenant, body).await;
        assert_eq!(
            r.status,
            StatusCode::CREATED,
            "capture should be 201: {}",
            r.text
        );
        r.body["lead_id"]
            .as_str()
            .unwrap_or_else(|| panic!("no lead_id in {}", r.text))
            .to_owned()
    }

    pub async fn get_lead(&self, token: &str, id: &str) -> Resp {
        self.get(&format!("/leads/{id}"), token).await
    }

    /// `GET /leads/{id}` that must answer 200; returns the lead with events and notes.
    pub async fn lead(&self, token: &str, id: &str) -> Value {
        let r = self.get_lead(token, id).await;
        assert_eq!(r.status, StatusCode::OK, "GET /leads/{id}: {}", r.text);
        r.body
    }

    /// `POST /leads` that must answer 201; returns the lead.
    pub async fn create_lead(&self, token: &str, body: &Value) -> Value {
        let r = self.post("/leads", token, body).await;
        assert_eq!(r.status, StatusCode::CREATED, "POST /leads: {}", r.text);
        r.body
    }

    /// Creates a lead by hand and returns its id.
    pub async fn create_lead_id(&self, token: &str, body: &Value) -> String {
        self.create_lead(token, body).await["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub async fn set_status(&self, token: &str, id: &str, to: &str, reason: Option<&str>) -> Resp {
        let mut body = json!({ "status": to });
        if let Some(r) = reason {
            body["reason"] = json!(r);
        }
        self.post(&format!("/leads/{id}/status"), token, &body)
            .await
    }

    /// A status change that must answer 200.
    pub async fn move_to(&self, token: &str, id: &str, to: &str) {
        let reason = (to == "lost").then_some("went elsewhere");
        let r = self.set_status(token, id, to, reason).await;
        assert_eq!(r.status, StatusCode::OK, "move {id} to {to}: {}", r.text);
    }

    /// Every lead of `GET /leads?{query}`, following cursors (pages of `limit`).
    pub async fn list_all(&self, token: &str, query: &str, limit: u32) -> Vec<Value> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..1000 {
            let mut path = format!("/leads?limit={limit}");
            if !query.is_empty() {
                path.push('&');
                path.push_str(query);
            }
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let r = self.get(&path, token).await;
            assert_eq!(r.status, StatusCode::OK, "GET {path}: {}", r.text);
            out.extend(r.body["items"].as_array().cloned().unwrap_or_default());
            match r.body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return out,
            }
        }
        panic!("more than 1000 pages");
    }

    pub async fn board(&self, token: &str) -> Value {
        let r = self.get("/leads/board", token).await;
        assert_eq!(r.status, StatusCode::OK, "GET /leads/board: {}", r.text);
        r.body
    }

    pub async fn analytics(&self, token: &str) -> Value {
        let r = self.get("/leads/analytics", token).await;
        assert_eq!(r.status, StatusCode::OK, "GET /leads/analytics: {}", r.text);
        r.body
    }
}

pub fn redirect_of(tenant: &str) -> String {
    format!("https://booking.example.com/{tenant}")
}

/// The booking page a capture sends a prospect to: the tenant's redirect naming the lead.
pub fn booking_page(redirect: &str, lead_id: &str) -> String {
    format!("{redirect}?lead_id={lead_id}")
}

/// The id of the demo seed's first customer (the one with a long booking history).
pub async fn demo_customer(app: &App) -> String {
    let phone = e164(crm_local::seed::DEMO_CUSTOMER_PHONE);
    let key = crm_shared::store::keys::phone_owner_key(DEMO, &phone);
    app.server
        .ctx
        .store
        .get(&key)
        .await
        .ok()
        .flatten()
        .and_then(|i| {
            i.get("customer_id")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| panic!("the demo seed has no customer with {phone}"))
}

/// A new customer of `tenant` (made straight in the store); its id.
pub async fn fresh_customer(app: &App, tenant: &str) -> String {
    let profile = crm_shared::domain::customer::Profile {
        name: Some("Fresh Customer".into()),
        phones: Some(vec![e164(&phone())]),
        ..Default::default()
    };
    crm_shared::store::customers::create(
        app.server.ctx.store.as_ref(),
        &crm_shared::store::tenants::get(app.server.ctx.store.as_ref(), tenant)
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("tenant {tenant} has settings")),
        &profile,
        &Default::default(),
        app.now(),
    )
    .await
    .unwrap_or_else(|e| panic!("create customer: {e}"))
    .id
}

/// A new customer of `tenant` with 1,000 loyalty points (a completed visit paid 1,000.00,
/// ingested straight in the store); its id.
pub async fn paid_customer(app: &App, tenant: &str) -> String {
    use crm_shared::domain::booking::{BookingFact, BookingKind, Contact};
    let store = app.server.ctx.store.as_ref();
    let settings = crm_shared::store::tenants::get(store, tenant)
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("tenant {tenant} has settings"));
    let fact = BookingFact {
        kind: BookingKind::BookingCompleted,
        booking_id: format!("PAID-{}", ulid::Ulid::new()),
        version: 1,
        start: app.now(),
        service: Some("Massage".into()),
        staff: None,
        amount: Some(100_000),
        currency: None,
        paid: Some(true),
        lead_id: None,
        source: None,
    };
    let contact = Contact {
        name: Some("Paid Customer".into()),
        phone: Some(e164(&phone())),
        email: None,
    };
    match crm_shared::store::customers::ingest(store, &settings, &fact, &contact, app.now()).await {
        Ok(crm_shared::store::customers::Ingested::Applied { customer, .. }) => customer.id,
        other => panic!("paid customer: {other:?}"),
    }
}

/// A note on a customer (made straight in the store); its id.
pub async fn fresh_note(app: &App, tenant: &str, customer: &str) -> String {
    crm_shared::store::customers::add_note(
        app.server.ctx.store.as_ref(),
        tenant,
        customer,
        "A note",
        "seed",
        app.now(),
    )
    .await
    .unwrap_or_else(|e| panic!("add note: {e}"))
    .id
}

/// The concrete path of `route` for a fresh target: the lead `lead_id`, or a new customer
/// (with a note when the route names one) of `tenant`.
pub async fn target_path(
    app: &App,
    route: &crm_shared::http::routes::Route,
    tenant: &str,
    lead_id: &str,
) -> String {
    let mut path = route
        .path
        .replace("{tenant}", tenant)
        .replace("{tag}", "test-tag");
    if path.starts_with("/customers/{id}") {
        let customer = if path.contains("/points/") {
            paid_customer(app, tenant).await
        } else {
            fresh_customer(app, tenant).await
        };
        if path.contains("{note_id}") {
            let note = fresh_note(app, tenant, &customer).await;
            path = path.replace("{note_id}", &note);
        }
        path = path.replace("{id}", &customer);
    }
    // Calls, missed calls and tasks (issue 5 items 4 and 6).
    if path.starts_with("/missed-calls/{id}") {
        let missed = fresh_missed_call(app, tenant).await;
        path = path.replace("{id}", &missed);
    }
    if path.starts_with("/members/{id}") {
        let member = fresh_member(app, tenant).await;
        path = path.replace("{id}", &member);
    }
    if path.starts_with("/duplicates/{id}") {
        let pair = fresh_pair(app, tenant).await;
        path = path.replace("{id}", &pair);
    }
    if path.starts_with("/imports/{id}") {
        let import = fresh_import(app, tenant).await;
        path = path.replace("{id}", &import);
    }
    if path.starts_with("/tasks/{id}") {
        path = path.replace("{id}", &format!("{lead_id}.contact"));
    }
    path.replace("{id}", lead_id)
}

/// A pending pair of possible duplicates of `tenant` (two customers by hand with one name and
/// phones differing in the last digits); its id.
pub async fn fresh_pair(app: &App, tenant: &str) -> String {
    let token = owner(tenant);
    let name = format!("Pair {}", ulid::Ulid::new().to_string().to_lowercase());
    let first = phone();
    let stem = &first[..first.len() - 2];
    let second = format!("{stem}{}", if first.ends_with("99") { "00" } else { "99" });
    let mut ids = Vec::new();
    for p in [first.clone(), second] {
        let r = app
            .post("/customers", &token, &json!({"name": name, "phone": p}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        ids.push(r.body["id"].as_str().unwrap_or_default().to_owned());
    }
    let list = app.get("/duplicates", &token).await;
    list.body["pairs"]
        .as_array()
        .and_then(|pairs| pairs.iter().find(|p| p["new"]["id"] == ids[1].as_str()))
        .and_then(|p| p["id"].as_str())
        .unwrap_or_else(|| panic!("no pair for {ids:?}: {}", list.text))
        .to_owned()
}

/// A small client list (CSV) for the import routes.
pub const CLIENT_LIST: &str = "Name,Phone\nAoife Byrne,087 123 4567\n";

/// Uploads [`CLIENT_LIST`] as a file to import.
pub async fn upload_client_list(app: &App, token: &str) -> Resp {
    send(
        app.req(Method::POST, "/imports?file_name=clients.csv")
            .bearer_auth(token)
            .header("content-type", "text/csv")
            .body(CLIENT_LIST),
    )
    .await
}

/// An import of `tenant` waiting in `mapping`; its id.
pub async fn fresh_import(app: &App, tenant: &str) -> String {
    let r = upload_client_list(app, &owner(tenant)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["id"].as_str().unwrap_or_default().to_owned()
}

/// A staff member of `tenant` invited with a new email (straight in the store); their id.
pub async fn fresh_member(app: &App, tenant: &str) -> String {
    use crm_shared::domain::member::{Member, Role};
    let id = ulid::Ulid::new().to_string();
    let member = Member::invited(
        id.clone(),
        tenant,
        &format!("{}@staff.example", id.to_lowercase()),
        Role::Staff,
        "test",
        app.now(),
    );
    crm_shared::store::members::add(app.server.ctx.store.as_ref(), &member)
        .await
        .unwrap_or_else(|e| panic!("member: {e}"));
    id
}

/// An open missed call of `tenant` from a new number (recorded straight in the store); its id.
pub async fn fresh_missed_call(app: &App, tenant: &str) -> String {
    use crm_shared::domain::call::{Call, CallStatus};
    use crm_shared::store::calls;
    let store = app.server.ctx.store.as_ref();
    let now = app.now();
    let call = Call {
        call_id: format!("CA-{}", ulid::Ulid::new()),
        from: e164(&phone()),
        to: None,
        status: CallStatus::Missed,
        started_at: now,
        duration_seconds: 0,
        name: Some("Missed Caller".into()),
    };
    let (customer, _) = calls::caller(
        store,
        &TenantSettings::new(tenant, "Calls", "IE", &redirect_of(tenant)),
        &call.from,
        call.name.as_deref(),
        now,
    )
    .await
    .unwrap_or_else(|e| panic!("caller: {e}"));
    calls::record(store, tenant, &call, &customer.id, "Missed Caller", now)
        .await
        .unwrap_or_else(|e| panic!("record call: {e}"))
        .missed_call
        .unwrap_or_else(|| panic!("a missed call"))
        .id
}

/// `body` signed now with the demo tenant's webhook secret, as `X-Crm-Signature` wants it.
pub fn demo_signature(app: &App, body: &str) -> String {
    crm_shared::http::signature::sign(
        crm_local::seed::DEMO_WEBHOOK_SECRET.as_bytes(),
        app.now().timestamp(),
        body.as_bytes(),
    )
}

/// A response, its body read as JSON when it is JSON (`Value::Null` otherwise).
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub body: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    pub fn etag(&self) -> Option<String> {
        self.header("etag")
    }

    pub fn content_type(&self) -> String {
        self.header("content-type").unwrap_or_default()
    }

    /// The `field` of each entry of a 422's `errors`.
    pub fn fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| e["field"].as_str().unwrap_or("").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Asserts an `application/problem+json` answer with `status`.
    pub fn assert_problem(&self, status: StatusCode) {
        assert_eq!(self.status, status, "{}", self.text);
        assert!(
            self.content_type().starts_with("application/problem+json"),
            "a {status} should be problem+json, got `{}`: {}",
            self.content_type(),
            self.text
        );
        assert_eq!(self.body["status"], json!(status.as_u16()), "{}", self.text);
    }

    /// Asserts a 422 naming exactly `fields` (in any order).
    pub fn assert_fields(&self, fields: &[&str]) {
        self.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
        let mut got = self.fields();
        got.sort();
        let mut want: Vec<String> = fields.iter().map(|s| (*s).to_owned()).collect();
        want.sort();
        assert_eq!(got, want, "422 should name {want:?}: {}", self.text);
    }
}

pub async fn send(rb: RequestBuilder) -> Resp {
    let response = rb
        .send()
        .await
        .unwrap_or_else(|e| panic!("request failed: {e}"));
    read(response).await
}

pub async fn read(response: reqwest::Response) -> Resp {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp {
        status,
        headers,
        text,
        body,
    }
}

/// A bearer token for `tenant` with `role`, valid for an hour, signed with the server's secret.
pub fn token(tenant: &str, role: Role, sub: &str) -> String {
    token_signed(
        tenant,
        role,
        sub,
        SECRET.as_bytes(),
        Utc::now().timestamp(),
        3600,
    )
}

pub fn token_signed(
    tenant: &str,
    role: Role,
    sub: &str,
    secret: &[u8],
    now: i64,
    ttl: i64,
) -> String {
    let claims = Claims {
        tenant_id: tenant.into(),
        role,
        sub: sub.into(),
        membership: None,
    };
    token::issue(&claims, secret, now, ttl).unwrap_or_else(|e| panic!("token: {e}"))
}

pub fn admin(tenant: &str) -> String {
    token(tenant, Role::Admin, "admin-1")
}

pub fn owner(tenant: &str) -> String {
    token(tenant, Role::Owner, "owner-1")
}

pub fn staff(tenant: &str) -> String {
    token(tenant, Role::Staff, "staff-1")
}

static PHONES: AtomicU64 = AtomicU64::new(0);

/// A valid Irish mobile number in national format (`087 1xx xxxx`), new on every call.
pub fn phone() -> String {
    let n = 1_000_000
        + (PHONES.fetch_add(1, Ordering::Relaxed) * 7919 + u64::from(std::process::id()))
            % 8_999_999;
    let digits = format!("{n:07}");
    format!("087 {} {}", &digits[..3], &digits[3..])
}

/// The E.164 form of an Irish national number.
pub fn e164(national: &str) -> String {
    let digits = digits(national);
    format!("+353{}", digits.trim_start_matches('0'))
}

pub fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// A minimal valid capture.
pub fn capture_body(name: &str, phone: &str) -> Value {
    json!({ "name": name, "phone": phone })
}

/// The ids of a list of leads.
pub fn ids(leads: &[Value]) -> Vec<String> {
    leads
        .iter()
        .map(|l| l["id"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// Whether `text` is a ULID.
pub fn is_ulid(text: &str) -> bool {
    text.len() == 26 && ulid::Ulid::from_string(text).is_ok()
}

/// Percent-encodes a query string value (everything but unreserved characters).
pub fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The status machine as DESIGN §2.1 draws it: where each status may go.
pub fn designed_next(from: &str) -> Vec<&'static str> {
    match from {
        "new" => vec!["contacted", "follow_up", "booked", "lost"],
        "contacted" => vec!["follow_up", "booked", "lost"],
        "follow_up" => vec!["contacted", "booked", "lost"],
        "booked" => vec!["won", "follow_up", "lost"],
        "won" => vec![],
        "lost" => vec!["contacted"],
        other => panic!("unknown status {other}"),
    }
}

pub const STATUSES: [&str; 6] = ["new", "contacted", "follow_up", "booked", "won", "lost"];

/// A path of allowed moves from `new` to `status`.
pub fn path_to(status: &str) -> Vec<&'static str> {
    match status {
        "new" => vec![],
        "contacted" => vec!["contacted"],
        "follow_up" => vec!["follow_up"],
        "booked" => vec!["booked"],
        "won" => vec!["booked", "won"],
        "lost" => vec!["lost"],
        other => panic!("unknown status {other}"),
    }
}
