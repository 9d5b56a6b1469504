//! What the routes accept, as OpenAPI schemas: the request bodies, the parameters several
//! routes share, and the problem document every error is. Bodies are still read field by
//! field (`domain::validation::Fields`, so a 422 names each bad field); these types describe
//! the same fields for the document (`crate::api_doc`) and the admin app's generated types,
//! and tests below keep their names equal to what the readers accept.

#![allow(dead_code)] // Read by the OpenAPI derive, never built.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use crm_shared::domain::lead::LeadStatus;
use crm_shared::domain::message::{MessageKind, MAX_BODY_CHARS};
use crm_shared::domain::source::Source;
use serde::Deserialize;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::{KnownFormat, ObjectBuilder, RefOr, Schema, SchemaFormat, Type};
use utoipa::{IntoParams, ToSchema};

const HHMM: &str = "^([01][0-9]|2[0-3]):[0-5][0-9]$";

/// An RFC 9457 problem (`application/problem+json`): every error of this API.
#[derive(Deserialize, ToSchema)]
pub struct Problem {
    #[schema(nullable = false)]
    pub r#type: Option<String>,
    pub title: String,
    pub status: u16,
    #[schema(nullable = false)]
    pub detail: Option<String>,
    /// Each bad field, on a 422.
    #[schema(nullable = false)]
    pub errors: Option<Vec<ProblemField>>,
    /// The statuses a lead may move to, on a refused transition.
    #[schema(nullable = false)]
    pub allowed: Option<Vec<LeadStatus>>,
    /// Who already has the phone or email, on a 409.
    #[schema(nullable = false)]
    pub existing_id: Option<String>,
    /// The version now, on a 412.
    #[schema(nullable = false)]
    pub current_version: Option<u64>,
}

#[derive(Deserialize, ToSchema)]
pub struct ProblemField {
    pub field: String,
    pub reason: String,
}

/// `POST /public/{tenant}/leads` (JSON or form-encoded).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"name": "Ann Murphy", "phone": "087 123 4567", "service": "Massage", "utm_source": "facebook"})))]
pub struct CaptureRequest {
    #[schema(max_length = 200)]
    pub name: String,
    #[schema(max_length = 32)]
    pub phone: String,
    #[schema(nullable = false, max_length = 200)]
    pub email: Option<String>,
    #[schema(nullable = false, max_length = 200)]
    pub service: Option<String>,
    #[schema(nullable = false, max_length = 2000)]
    pub message: Option<String>,
    #[schema(nullable = false)]
    pub source: Option<Source>,
    /// `true` (JSON) or `"true"`/`"on"` (a form's checkbox).
    #[schema(schema_with = boolean_or_text)]
    pub consent: Option<bool>,
    #[schema(nullable = false, max_length = 200)]
    pub utm_source: Option<String>,
    #[schema(nullable = false, max_length = 200)]
    pub utm_medium: Option<String>,
    #[schema(nullable = false, max_length = 200)]
    pub utm_campaign: Option<String>,
    #[schema(nullable = false, max_length = 200)]
    pub utm_term: Option<String>,
    #[schema(nullable = false, max_length = 200)]
    pub utm_content: Option<String>,
    #[schema(nullable = false, max_length = 500)]
    pub fbclid: Option<String>,
    #[schema(nullable = false, max_length = 200)]
    pub fbp: Option<String>,
    #[schema(nullable = false, max_length = 500)]
    pub gclid: Option<String>,
    #[schema(nullable = false, max_length = 2000)]
    pub referrer: Option<String>,
    #[schema(nullable = false, max_length = 2000)]
    pub page_url: Option<String>,
    /// The honeypot: a person leaves it empty.
    #[schema(nullable = false, max_length = 200)]
    pub website: Option<String>,
}

fn boolean_or_text() -> Schema {
    ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
            Type::Boolean,
            Type::String,
        ]))
        .into()
}

/// `POST /leads`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"name": "Walk In", "phone": "0871112222", "service": "Facial", "expected_value": 4500})))]
pub struct NewLead {
    #[schema(max_length = 100)]
    pub name: String,
    #[schema(max_length = 32)]
    pub phone: String,
    #[schema(format = Email)]
    pub email: Option<String>,
    #[schema(max_length = 100)]
    pub service: Option<String>,
    #[schema(nullable = false, max_length = 2000)]
    pub message: Option<String>,
    #[schema(nullable = false)]
    pub source: Option<Source>,
    #[schema(max_length = 100)]
    pub assignee: Option<String>,
    /// Minor units.
    #[schema(nullable = false, minimum = 0, maximum = 10_000_000_000i64)]
    pub expected_value: Option<i64>,
    pub follow_up_at: Option<DateTime<Utc>>,
    pub appointment_at: Option<DateTime<Utc>>,
}

/// `PATCH /leads/{id}`: the fields given change; null clears an optional one.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(min_properties = 1)]
pub struct LeadPatch {
    #[schema(nullable = false, max_length = 100)]
    pub name: Option<String>,
    #[schema(nullable = false, max_length = 32)]
    pub phone: Option<String>,
    #[schema(format = Email)]
    pub email: Option<String>,
    #[schema(max_length = 100)]
    pub service: Option<String>,
    #[schema(max_length = 100)]
    pub assignee: Option<String>,
    /// Minor units.
    #[schema(nullable = false, minimum = 0, maximum = 10_000_000_000i64)]
    pub expected_value: Option<i64>,
    pub follow_up_at: Option<DateTime<Utc>>,
    pub appointment_at: Option<DateTime<Utc>>,
}

/// `POST /leads/{id}/status`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    pub status: LeadStatus,
    /// Needed to mark a lead lost.
    #[schema(nullable = false, max_length = 500)]
    pub reason: Option<String>,
}

/// `POST /leads/{id}/notes`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNote {
    #[schema(max_length = 5000)]
    pub body: String,
}

/// `POST /customers`, `PATCH /customers/{id}`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerInput {
    #[schema(nullable = false, max_length = 200)]
    pub name: Option<String>,
    /// The primary phone (instead of `phones`).
    #[schema(nullable = false, max_length = 32)]
    pub phone: Option<String>,
    /// Every phone, primary first.
    #[schema(nullable = false, value_type = Option<Vec<PhoneText>>)]
    pub phones: Option<Vec<String>>,
    /// The primary email (instead of `emails`).
    #[schema(nullable = false, max_length = 254)]
    pub email: Option<String>,
    #[schema(nullable = false, value_type = Option<Vec<EmailText>>)]
    pub emails: Option<Vec<String>>,
    pub date_of_birth: Option<NaiveDate>,
    #[schema(max_length = 40)]
    pub gender: Option<String>,
    #[schema(max_length = 500)]
    pub address: Option<String>,
    #[schema(max_length = 200)]
    pub company: Option<String>,
    #[schema(max_length = 20)]
    pub preferred_language: Option<String>,
    #[schema(nullable = false)]
    pub marketing_consent: Option<bool>,
    /// How they first came (first touch). Made by hand without one: `manual`.
    #[schema(nullable = false)]
    pub source: Option<crm_shared::domain::source::Source>,
    #[schema(nullable = false, value_type = Option<Vec<TagText>>)]
    pub tags: Option<Vec<String>>,
}

#[derive(ToSchema)]
#[schema(max_length = 32)]
pub struct PhoneText(String);
#[derive(ToSchema)]
#[schema(max_length = 254)]
pub struct EmailText(String);
#[derive(ToSchema)]
#[schema(max_length = 40)]
pub struct TagText(String);

/// `POST /customers/{id}/notes`, `PATCH /customers/{id}/notes/{note_id}`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteInput {
    #[schema(min_length = 1, max_length = 5000)]
    pub body: String,
}

/// `POST /customers/{id}/points/redeem`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedeemInput {
    /// Points to spend: no more than the customer's `points_available`.
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub points: i64,
    /// What they were spent on (shown on the timeline).
    #[schema(min_length = 1, max_length = 200)]
    pub reason: String,
}

/// The booking system's kinds of fact.
#[derive(Deserialize, ToSchema)]
pub enum BookingFactType {
    BookingCreated,
    BookingRescheduled,
    BookingCompleted,
    BookingCancelled,
    BookingNoShow,
}

/// `POST /hooks/{tenant}/bookings`: one fact about a booking. Money in minor units.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookingFact {
    #[schema(inline)]
    pub r#type: BookingFactType,
    #[schema(min_length = 1, max_length = 100)]
    pub booking_id: String,
    #[schema(minimum = 1)]
    pub version: u64,
    pub start: DateTime<Utc>,
    #[schema(max_length = 100)]
    pub service: Option<String>,
    #[schema(max_length = 100)]
    pub staff: Option<String>,
    #[schema(minimum = 0)]
    pub amount: Option<i64>,
    #[schema(max_length = 3)]
    pub currency: Option<String>,
    pub paid: Option<bool>,
    #[schema(max_length = 40)]
    pub lead_id: Option<String>,
    /// How the client came, as the booking system knows it: a customer this booking makes
    /// without a lead gets it as their acquisition source (default `organic`).
    #[schema(nullable = false)]
    pub source: Option<crm_shared::domain::source::Source>,
    /// Ignored (the path names the tenant).
    #[schema(nullable = false)]
    pub tenant_id: Option<String>,
    #[schema(inline)]
    pub customer: Option<BookingContact>,
}

/// Who booked.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookingContact {
    #[schema(max_length = 200)]
    pub name: Option<String>,
    #[schema(max_length = 32)]
    pub phone: Option<String>,
    #[schema(max_length = 254)]
    pub email: Option<String>,
}

/// The statuses a call report may carry.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportedCallStatus {
    Missed,
    Answered,
    Voicemail,
}

/// `POST /hooks/{tenant}/calls`: a call as the telephony system reports it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallReport {
    #[schema(min_length = 1, max_length = 100)]
    pub call_id: String,
    /// The caller; national numbers read in the tenant's region
    #[schema(max_length = 32)]
    pub from: String,
    #[schema(max_length = 32)]
    pub to: Option<String>,
    #[schema(inline)]
    pub status: ReportedCallStatus,
    pub started_at: Option<DateTime<Utc>>,
    #[schema(minimum = 0, maximum = 86400)]
    pub duration_seconds: Option<i64>,
    #[schema(max_length = 200)]
    pub name: Option<String>,
}

/// `POST /missed-calls/{id}/sms` (the body is optional).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecoveryText {
    /// Your words; none: the tenant's missed_call template
    #[schema(max_length = 1600)]
    pub body: Option<String>,
}

/// `POST /customers/{id}/messages`: your words, or a template by kind.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageInput {
    #[schema(nullable = false, min_length = 1, max_length = 1600)]
    pub body: Option<String>,
    #[schema(nullable = false)]
    pub template: Option<MessageKind>,
}

/// `POST /hooks/{tenant}/sms/inbound`: a text a customer sent (Twilio's field names).
#[derive(Deserialize, ToSchema)]
pub struct InboundText {
    #[serde(rename = "From")]
    #[schema(max_length = 40)]
    pub from: String,
    #[serde(rename = "Body")]
    #[schema(nullable = false, max_length = 1600)]
    pub body: Option<String>,
    /// The number the text was sent to (ours). A STOP or START the provider reports on a
    /// number several businesses share applies to each of them.
    #[serde(rename = "To")]
    #[schema(nullable = false, max_length = 40)]
    pub to: Option<String>,
}

/// `POST /hooks/{tenant}/sms/status`: the provider's delivery report (Twilio's field names).
#[derive(Deserialize, ToSchema)]
pub struct DeliveryReport {
    #[serde(rename = "MessageSid")]
    #[schema(max_length = 64)]
    pub message_sid: String,
    #[serde(rename = "MessageStatus")]
    #[schema(max_length = 32)]
    pub message_status: String,
    #[serde(rename = "ErrorCode")]
    #[schema(schema_with = text_or_integer)]
    pub error_code: Option<String>,
}

fn text_or_integer() -> Schema {
    ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
            Type::String,
            Type::Integer,
        ]))
        .into()
}

/// `PATCH /settings`: the fields given change.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    #[schema(nullable = false, min_length = 1, max_length = 100)]
    pub business_name: Option<String>,
    /// IANA time zone.
    #[schema(nullable = false, examples("Europe/Dublin"))]
    pub time_zone: Option<String>,
    /// ISO 3166 region for reading national phone numbers.
    #[schema(nullable = false, examples("IE"))]
    pub default_region: Option<String>,
    #[schema(nullable = false, format = "uri", max_length = 500)]
    pub redirect_url: Option<String>,
    /// Texts that go out by themselves (each off by default).
    #[schema(nullable = false)]
    pub auto_texts: Option<crm_shared::domain::tenant::AutoTexts>,
    /// The query parameter naming the lead on the redirect (empty: none; default `lead_id`).
    #[schema(nullable = false, max_length = 40, pattern = "^[A-Za-z0-9_.-]*$")]
    pub lead_id_param: Option<String>,
    #[schema(nullable = false, minimum = 1, maximum = 720)]
    pub stale_after_hours: Option<u32>,
    #[schema(nullable = false, minimum = 1, maximum = 168)]
    pub dedupe_window_hours: Option<u32>,
    #[schema(nullable = false, pattern = "^[A-Z]{3}$")]
    pub currency: Option<String>,
    #[schema(nullable = false, max_items = 50, value_type = Option<Vec<ServiceText>>)]
    pub services: Option<Vec<String>>,
    /// Classification thresholds: the keys given change.
    #[schema(nullable = false, value_type = Option<Object>)]
    pub thresholds: Option<serde_json::Value>,
    #[schema(nullable = false, inline)]
    pub quiet_hours: Option<SpanInput>,
    #[schema(nullable = false, inline)]
    pub business_hours: Option<SpanInput>,
    /// Text templates by kind; null restores the built-in one.
    #[schema(nullable = false, schema_with = template_texts)]
    pub templates: Option<BTreeMap<String, Option<String>>>,
    #[schema(max_length = 40)]
    pub sms_from: Option<String>,
    #[schema(nullable = false, minimum = 0, maximum = 10080)]
    pub review_delay_minutes: Option<u32>,
    #[schema(format = "uri", max_length = 500)]
    pub review_url: Option<String>,
    #[schema(minimum = 0, maximum = 1440)]
    pub missed_call_sms_after_minutes: Option<u32>,
    #[schema(inline)]
    pub meta: Option<MetaInput>,
    #[schema(
        nullable = false,
        min_length = 16,
        max_length = 200,
        pattern = r"^\S+$"
    )]
    pub webhook_secret: Option<String>,
    #[schema(nullable = false, inline)]
    pub landing: Option<LandingInput>,
    /// Captures the public form takes per minute; the keys given change.
    #[schema(nullable = false, inline)]
    pub capture_limits: Option<CaptureLimitsInput>,
    /// Countries (ISO 3166 alpha-2) texts may go to; empty: the business's own.
    #[schema(nullable = false, max_items = 50, value_type = Option<Vec<CountryCode>>)]
    pub sms_countries: Option<Vec<String>>,
    /// Daily caps on texts; the keys given change.
    #[schema(nullable = false, inline)]
    pub sms_limits: Option<SmsLimitsInput>,
}

/// New daily text caps: either or both.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SmsLimitsInput {
    #[schema(minimum = 1, maximum = 100)]
    pub per_number_per_day: Option<u32>,
    #[schema(minimum = 1, maximum = 100000)]
    pub per_day: Option<u32>,
}

/// An ISO 3166 alpha-2 country code.
#[derive(ToSchema)]
#[schema(pattern = "^[A-Za-z]{2}$")]
#[allow(dead_code)]
pub struct CountryCode(String);

/// New capture limits: either or both.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaptureLimitsInput {
    #[schema(minimum = 1, maximum = 1000000)]
    pub per_minute: Option<u32>,
    #[schema(minimum = 1, maximum = 1000000)]
    pub per_client_per_minute: Option<u32>,
}

#[derive(ToSchema)]
#[schema(min_length = 1, max_length = 80)]
pub struct ServiceText(String);

fn template_texts() -> Schema {
    let text = ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
            Type::String,
            Type::Null,
        ]))
        .max_length(Some(MAX_BODY_CHARS));
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .additional_properties(Some(text))
        .into()
}

/// A daily span of local time, `HH:MM` to `HH:MM` (it may wrap past midnight).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpanInput {
    #[schema(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub start: String,
    #[schema(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub end: String,
}

/// Meta Conversions API credentials; null removes them.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MetaInput {
    #[schema(nullable = false, pattern = "^[0-9]{5,30}$")]
    pub pixel_id: Option<String>,
    #[schema(nullable = false, min_length = 1, max_length = 1000)]
    pub access_token: Option<String>,
    #[schema(max_length = 40)]
    pub test_event_code: Option<String>,
}

/// The landing page's content; null clears a field.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LandingInput {
    #[schema(max_length = 120)]
    pub headline: Option<String>,
    #[schema(max_length = 500, pattern = r"^https://\S+$")]
    pub logo_url: Option<String>,
    #[schema(minimum = 0, maximum = 5)]
    pub rating: Option<f64>,
    #[schema(minimum = 0, maximum = 10_000_000)]
    pub review_count: Option<u32>,
    #[schema(max_length = 200)]
    pub address: Option<String>,
    #[schema(minimum = 1, maximum = 1440)]
    pub reply_within_minutes: Option<u32>,
}

/// A path parameter naming a record by its id.
fn id(name: &str, description: &str) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .required(utoipa::openapi::Required::True)
        .description(Some(description))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build()
}

fn header(name: &str, schema: ObjectBuilder, description: &str) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Header)
        .required(utoipa::openapi::Required::False)
        .description(Some(description))
        .schema(Some(schema))
        .build()
}

/// `{tenant}` of a public route or webhook.
pub struct TenantPath;

impl IntoParams for TenantPath {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let schema = ObjectBuilder::new()
            .schema_type(Type::String)
            .examples(["demo"]);
        #[allow(deprecated)] // `example` is what schemathesis reads for a path parameter.
        let tenant = ParameterBuilder::new()
            .name("tenant")
            .parameter_in(ParameterIn::Path)
            .required(utoipa::openapi::Required::True)
            .description(Some("Tenant id"))
            .schema(Some(schema))
            .example(Some(serde_json::json!("demo")))
            .build();
        vec![tenant]
    }
}

/// A signed webhook's parameters (`/hooks/{tenant}/…`): the tenant, and the signature
/// `routes::hooks::signature` checks.
pub struct SignedHook;

impl IntoParams for SignedHook {
    fn into_params(f: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let mut params = TenantPath::into_params(f);
        params.push(header(
            "X-Crm-Signature",
            ObjectBuilder::new().schema_type(Type::String),
            "t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<raw body>\" keyed with the tenant's webhook secret>; within 5 minutes of now",
        ));
        params
    }
}

/// The SMS provider's callbacks: a signed webhook's parameters, or Twilio's own signature.
pub struct ProviderHook;

impl IntoParams for ProviderHook {
    fn into_params(f: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let mut params = SignedHook::into_params(f);
        params.push(header(
            "X-Twilio-Signature",
            ObjectBuilder::new().schema_type(Type::String),
            "Instead of X-Crm-Signature: base64 HMAC-SHA1 of the URL as called followed by each form parameter (sorted by name, name then value), keyed with the SMS provider's auth token",
        ));
        params
    }
}

/// `If-Match`: the version read (its ETag).
pub struct IfMatch;

impl IntoParams for IfMatch {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![header(
            "If-Match",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some("^(W/)?\"?[0-9]{1,19}\"?$")),
            "The version you read (the ETag); a stale one is refused with 412",
        )]
    }
}

/// `{id}` of a lead.
pub struct LeadId;

impl IntoParams for LeadId {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![id("id", "Lead id (ULID)")]
    }
}

/// `{id}` of a customer.
pub struct CustomerId;

impl IntoParams for CustomerId {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![id("id", "Customer id (ULID)")]
    }
}

/// `{id}` and `{note_id}` of a customer's note.
pub struct CustomerNoteId;

impl IntoParams for CustomerNoteId {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            id("id", "Customer id (ULID)"),
            id("note_id", "Note id (ULID)"),
        ]
    }
}

/// `{tag}`: a manual tag.
pub struct TagPath;

impl IntoParams for TagPath {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let mut tag = id("tag", "A manual tag");
        tag.schema = Some(text(40).into());
        vec![tag]
    }
}

/// `{id}` of a member.
pub struct MemberId;

impl IntoParams for MemberId {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![id("id", "Member id (ULID)")]
    }
}

/// `{id}` of a task.
pub struct TaskId;

impl IntoParams for TaskId {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![id("id", "Task id (`<lead id>.contact`)")]
    }
}

/// `{id}` of a missed call.
pub struct MissedCallId;

impl IntoParams for MissedCallId {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![id("id", "Missed call id (ULID)")]
    }
}

/// Paging parameters: a page size and the cursor of the previous page.
pub fn paging(max: i64, default: i64, cursor_from: &str) -> [Parameter; 2] {
    [
        ParameterBuilder::new()
            .name("limit")
            .parameter_in(ParameterIn::Query)
            .required(utoipa::openapi::Required::False)
            .description(Some(format!("Page size (default {default})")))
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(1))
                    .maximum(Some(max)),
            ))
            .build(),
        ParameterBuilder::new()
            .name("cursor")
            .parameter_in(ParameterIn::Query)
            .required(utoipa::openapi::Required::False)
            .description(Some(format!("{cursor_from} of the previous page")))
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .build(),
    ]
}

/// A query parameter.
pub fn query(name: &str, schema: impl Into<RefOr<Schema>>, description: &str) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(utoipa::openapi::Required::False)
        .description(Some(description))
        .schema(Some(schema))
        .build()
}

/// A string schema with these values.
pub fn one_of(values: &[&str]) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.iter().copied()))
}

/// A string schema.
pub fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

/// A string schema of at most `max` characters.
pub fn text(max: usize) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(max))
}

/// A reference to a component schema.
pub fn schema_ref<T: ToSchema>() -> RefOr<Schema> {
    RefOr::Ref(utoipa::openapi::Ref::from_schema_name(T::name()))
}

/// A date-time string.
pub fn date_time() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
}

/// `{id}` of an import.
pub struct ImportId;

impl IntoParams for ImportId {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![id("id", "Import id (ULID)")]
    }
}

/// `POST /imports`'s query.
pub struct UploadParams;

impl IntoParams for UploadParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let mut name = id("file_name", "The file's name, to show beside the import");
        name.parameter_in = ParameterIn::Query;
        name.required = utoipa::openapi::Required::False;
        name.schema = Some(text(200).into());
        vec![name]
    }
}

/// `PATCH /imports/{id}`: any of these.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct ImportChange {
    /// A field or null per column of the file, as many as it has columns. It must make
    /// customers: a name (or first and last name) and a phone or an email.
    mapping: Option<Vec<Option<crm_shared::import::mapping::Field>>>,
    /// What a row matching an existing customer (same phone or email) does.
    on_existing: Option<crm_shared::import::job::OnExisting>,
    /// Tags every imported customer gets (at most 10, each up to 40 characters).
    tags: Option<Vec<String>>,
}

/// `{id}` of a duplicate pair.
pub struct DuplicateId;

impl IntoParams for DuplicateId {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![id("id", "Pair id (ULID)")]
    }
}

/// `GET /duplicates`'s query.
pub struct DuplicateParams;

impl IntoParams for DuplicateParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let mut params = vec![query(
            "status",
            one_of(&["pending", "all"]),
            "pending (default): pairs waiting for review; all: reviewed ones too",
        )];
        params.extend(paging(100, 50, "next_cursor"));
        params
    }
}

/// `POST /duplicates/{id}/resolve`.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct Resolution {
    /// merge: one customer takes in the other; keep_both: two people; ignore: not a question.
    #[schema(pattern = "^(merge|keep_both|ignore)$")]
    action: String,
    /// The customer kept by a merge (one of the pair); required for merge.
    keep: Option<String>,
}
