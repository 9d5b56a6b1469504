//! `GET /openapi.json`: the OpenAPI 3.1 document of every route (checked against the route
//! table by a test, fuzzed by schemathesis in scripts/test).

use crm_shared::domain::capture::FIELDS as CAPTURE_FIELDS;
use crm_shared::domain::lead::LeadStatus;
use crm_shared::domain::source::Source;
use crm_shared::http::request::{json, respond};
use crm_shared::http::routes::{Access, ROUTES};
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::{json, Map, Value};

use crate::context::Ctx;

pub async fn handle(_ctx: &Ctx, _request: Request) -> Response<Body> {
    respond(json(StatusCode::OK, &document()))
}

pub(crate) fn problem(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    })
}

pub(crate) fn ok(description: &str, schema: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}
    })
}

pub(crate) fn json_body(schema: &str) -> Value {
    json!({
        "required": true,
        "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}
    })
}

pub(crate) fn param(name: &str, location: &str, schema: Value, description: &str) -> Value {
    json!({"name": name, "in": location, "required": location == "path", "schema": schema, "description": description})
}

/// The parameters of a signed webhook (`/hooks/{tenant}/…`): the tenant, and the signature
/// `routes::webhook::verified_tenant` checks.
pub(crate) fn signed_hook_params() -> Value {
    json!([
        {
            "name": "tenant", "in": "path", "required": true, "example": "demo",
            "schema": {"type": "string", "examples": ["demo"]}, "description": "Tenant id"
        },
        param(
            "X-Crm-Signature", "header", json!({"type": "string"}),
            "t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<raw body>\" keyed with the tenant's webhook secret>; within 5 minutes of now"
        )
    ])
}

/// The parameters of the SMS provider's callbacks: those of every signed webhook, or
/// Twilio's own signature instead (`routes::webhook::verified_provider_tenant`).
pub(crate) fn provider_hook_params() -> Value {
    let mut params = signed_hook_params();
    if let Value::Array(list) = &mut params {
        list.push(param(
            "X-Twilio-Signature", "header", json!({"type": "string"}),
            "Instead of X-Crm-Signature: base64 HMAC-SHA1 of the URL as called followed by each form parameter (sorted by name, name then value), keyed with the SMS provider's auth token",
        ));
    }
    params
}

/// The customer list's parameters (`GET /customers`, its CSV export): an optional search,
/// the sort and filters, then the paging ones.
fn customer_list_params(search: Option<Value>, sort_note: &str, paging: [Value; 2]) -> Value {
    let filters = [
        param(
            "sort",
            "query",
            json!({"type": "string", "enum": ["ltv", "visits", "last_visit", "points", "no_shows", "name", "created"]}),
            sort_note,
        ),
        param(
            "order",
            "query",
            json!({"type": "string", "enum": ["asc", "desc"]}),
            "Direction; default desc (asc for name)",
        ),
        param(
            "segment",
            "query",
            json!({"type": "string", "enum": ["lead", "active", "inactive", "vip"]}),
            "Only this segment",
        ),
        param(
            "tag",
            "query",
            json!({"type": "string", "maxLength": 40}),
            "Only customers with this manual or automatic tag",
        ),
        param(
            "stage",
            "query",
            json!({"type": "string", "enum": ["discovery", "engagement", "activation", "retention", "advocacy", "churned"]}),
            "Only this journey stage",
        ),
        param(
            "at_risk",
            "query",
            json!({"type": "string", "enum": ["true", "false"]}),
            "Only customers at risk (or not)",
        ),
        param(
            "source",
            "query",
            json!({"$ref": "#/components/schemas/Source"}),
            "Only this first-touch source",
        ),
    ];
    Value::Array(search.into_iter().chain(filters).chain(paging).collect())
}

fn id_param() -> Value {
    param("id", "path", json!({"type": "string"}), "Lead id (ULID)")
}

fn customer_param() -> Value {
    param(
        "id",
        "path",
        json!({"type": "string"}),
        "Customer id (ULID)",
    )
}

fn note_param() -> Value {
    param(
        "note_id",
        "path",
        json!({"type": "string"}),
        "Note id (ULID)",
    )
}

pub(super) fn if_match() -> Value {
    param(
        "If-Match",
        "header",
        json!({"type": "string", "pattern": "^(W/)?\"?[0-9]{1,19}\"?$"}),
        "The version you read (the ETag); a stale one is refused with 412",
    )
}

/// The operation object of one route.
fn operation(function: &str) -> Value {
    match function {
        "capture_lead" => json!({
            "parameters": [{
                "name": "tenant", "in": "path", "required": true, "example": "demo",
                "schema": {"type": "string", "examples": ["demo"]}, "description": "Tenant id"
            }],
            "requestBody": {
                "required": true,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/CaptureRequest"}},
                    "application/x-www-form-urlencoded": {"schema": {"$ref": "#/components/schemas/CaptureRequest"}}
                }
            },
            "responses": {
                "201": ok("Lead captured", "CaptureResponse"),
                "200": ok("Same phone within the dedupe window: the existing lead", "CaptureResponse"),
                "303": {"description": "Form post: see the booking page", "headers": {"Location": {"schema": {"type": "string"}}}},
                "400": problem("Malformed request"),
                "404": problem("Unknown tenant"),
                "413": problem("Body over 16 KB"),
                "415": problem("Unsupported content type"),
                "422": problem("Invalid fields, each named")
            }
        }),
        "openapi" => json!({
            "responses": {"200": {"description": "This document", "content": {"application/json": {"schema": {"type": "object"}}}}}
        }),
        "create_lead" => json!({
            "requestBody": json_body("NewLead"),
            "responses": {
                "201": ok("Lead created", "Lead"),
                "409": problem("The phone belongs to a lead captured within the dedupe window"),
                "413": problem("Body over 16 KB"),
                "415": problem("Unsupported content type"),
                "422": problem("Invalid fields, each named")
            }
        }),
        "list_leads" => json!({
            "parameters": [
                param("status", "query", json!({"$ref": "#/components/schemas/LeadStatus"}), "Only this status"),
                param("source", "query", json!({"$ref": "#/components/schemas/Source"}), "Only this first-touch source"),
                param("assignee", "query", json!({"type": "string"}), "Only leads assigned to this user"),
                param("stale", "query", json!({"type": "string", "enum": ["true", "false"]}), "Only stale (or fresh) leads"),
                param("q", "query", json!({"type": "string", "maxLength": 100}), "Name, email or phone digits contain this"),
                param("created_from", "query", json!({"type": "string"}), "Created at or after (date or RFC 3339)"),
                param("created_to", "query", json!({"type": "string"}), "Created at or before (date or RFC 3339)"),
                param("limit", "query", json!({"type": "integer", "minimum": 1, "maximum": 100}), "Page size (default 25)"),
                param("cursor", "query", json!({"type": "string"}), "next_cursor of the previous page")
            ],
            "responses": {"200": ok("A page of leads, newest first", "LeadPage"), "422": problem("Invalid filter, each named")}
        }),
        "lead_board" => json!({
            "parameters": [param("limit", "query", json!({"type": "integer", "minimum": 1, "maximum": 100}), "Leads per column (default 20)")],
            "responses": {"200": ok("The board", "Board"), "422": problem("Invalid parameter")}
        }),
        "lead_analytics" => json!({
            "responses": {"200": ok("Lead analytics", "Analytics"), "422": problem("Unknown parameter")}
        }),
        "booking_webhook" => json!({
            "parameters": signed_hook_params(),
            "requestBody": json_body("BookingFact"),
            "responses": {
                "200": ok("Applied, or already applied (same or older version)", "BookingAnswer"),
                "400": problem("Malformed request"),
                "401": problem("Missing, bad or expired signature, or no webhook secret configured"),
                "404": problem("Unknown tenant"),
                "413": problem("Body over 16 KB"),
                "415": problem("Unsupported content type"),
                "422": problem("Invalid fields, each named")
            }
        }),
        "get_customer" => json!({
            "parameters": [param("id", "path", json!({"type": "string"}), "Customer id (ULID)")],
            "responses": {"200": ok("The customer with KPIs, spending, bookings and leads", "CustomerDetail"), "404": problem("No such customer in your tenant")}
        }),
        "list_customers" => json!({
            "parameters": customer_list_params(
                Some(param("q", "query", json!({"type": "string", "maxLength": 100}), "Start of a name word, an email, or phone digits (the last four too); 2+ characters")),
                "Order (not with q); default created",
                [
                    param("limit", "query", json!({"type": "integer", "minimum": 1, "maximum": 100}), "Page size (default 25)"),
                    param("cursor", "query", json!({"type": "string"}), "next_cursor of the previous page"),
                ],
            ),
            "responses": {"200": ok("A page of customers", "CustomerPage"), "422": problem("Invalid parameter, each named")}
        }),
        "export_customers" => json!({
            "parameters": customer_list_params(
                None,
                "Order; default created",
                [
                    param("limit", "query", json!({"type": "integer", "minimum": 1, "maximum": 5000}), "Rows in this response (default and most 5,000)"),
                    param("cursor", "query", json!({"type": "string"}), "X-Next-Cursor of the previous response"),
                ],
            ),
            "responses": {
                "200": {
                    "description": "Customers as CSV (header row first; money in major units; text cells spreadsheet-safe). X-Next-Cursor names the cursor for the rest when more remain",
                    "headers": {"X-Next-Cursor": {"schema": {"type": "string"}, "description": "Ask again with cursor=this for the next rows"}},
                    "content": {"text/csv": {"schema": {"type": "string"}}}
                },
                "422": problem("Invalid parameter, each named")
            }
        }),
        "create_customer" => json!({
            "requestBody": json_body("CustomerInput"),
            "responses": {
                "201": ok("The customer", "Customer"),
                "409": problem("The phone or email belongs to another customer (existing_id names them)"),
                "413": problem("Body over 16 KB"),
                "415": problem("Unsupported content type"),
                "422": problem("Invalid fields, each named")
            }
        }),
        "update_customer" => json!({
            "parameters": [customer_param(), if_match()],
            "requestBody": json_body("CustomerInput"),
            "responses": {
                "200": ok("The edited customer", "Customer"),
                "404": problem("No such customer in your tenant"),
                "409": problem("The phone or email belongs to another customer"),
                "412": problem("The customer changed since the version in If-Match"),
                "413": problem("Body over 16 KB"),
                "415": problem("Unsupported content type"),
                "422": problem("Invalid fields, each named")
            }
        }),
        "delete_customer" => json!({
            "parameters": [customer_param()],
            "responses": {"200": ok("Deleted", "Deleted"), "404": problem("No such customer in your tenant")}
        }),
        "add_customer_tag" | "remove_customer_tag" => json!({
            "parameters": [customer_param(), param("tag", "path", json!({"type": "string", "maxLength": 40}), "A manual tag")],
            "responses": {"200": ok("The customer", "Customer"), "404": problem("No such customer in your tenant"), "422": problem("Invalid tag")}
        }),
        "add_customer_note" => json!({
            "parameters": [customer_param()],
            "requestBody": json_body("NoteInput"),
            "responses": {
                "201": ok("The note", "CustomerNote"),
                "404": problem("No such customer in your tenant"),
                "413": problem("Body over 16 KB"),
                "415": problem("Unsupported content type"),
                "422": problem("Invalid fields, each named")
            }
        }),
        "edit_customer_note" => json!({
            "parameters": [customer_param(), note_param()],
            "requestBody": json_body("NoteInput"),
            "responses": {
                "200": ok("The edited note", "CustomerNote"),
                "404": problem("No such customer or note"),
                "413": problem("Body over 16 KB"),
                "415": problem("Unsupported content type"),
                "422": problem("Invalid fields, each named")
            }
        }),
        "delete_customer_note" => json!({
            "parameters": [customer_param(), note_param()],
            "responses": {"200": ok("Deleted", "Deleted"), "404": problem("No such customer or note")}
        }),
        "customer_timeline" => json!({
            "parameters": [
                customer_param(),
                param("type", "query", json!({"type": "string"}), "Comma-separated types: lead, status, booking, milestone, segment, stage, note, tag, profile, created"),
                param("q", "query", json!({"type": "string", "maxLength": 100}), "Only entries whose text contains this"),
                param("format", "query", json!({"type": "string", "enum": ["json", "csv"]}), "csv: every entry as CSV"),
                param("limit", "query", json!({"type": "integer", "minimum": 1, "maximum": 200}), "Page size (default 50)"),
                param("cursor", "query", json!({"type": "string"}), "next_cursor of the previous page")
            ],
            "responses": {
                "200": {
                    "description": "A page of the timeline, grouped by date (or CSV)",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Timeline"}},
                        "text/csv": {"schema": {"type": "string"}}
                    }
                },
                "404": problem("No such customer in your tenant"),
                "422": problem("Invalid parameter, each named")
            }
        }),
        "convert_lead" => json!({
            "parameters": [id_param()],
            "responses": {
                "200": ok("Linked to the customer who has the lead's phone or email", "Conversion"),
                "201": ok("A new customer made from the lead", "Conversion"),
                "404": problem("No such lead in your tenant"),
                "409": problem("The lead's phone or email belongs to another customer")
            }
        }),
        "get_lead" => json!({
            "parameters": [id_param()],
            "responses": {"200": ok("The lead with its events and notes", "LeadDetail"), "404": problem("No such lead in your tenant")}
        }),
        "update_lead" => json!({
            "parameters": [id_param(), if_match()],
            "requestBody": json_body("LeadPatch"),
            "responses": {
                "200": ok("The edited lead", "Lead"),
                "404": problem("No such lead in your tenant"),
                "412": problem("The lead changed since the version in If-Match"),
                "413": problem("Body over 16 KB"),
                "415": problem("Unsupported content type"),
                "422": problem("Invalid fields, each named")
            }
        }),
        "change_lead_status" => json!({
            "parameters": [id_param(), if_match()],
            "requestBody": json_body("StatusChange"),
            "responses": {
                "200": ok("The lead and the status event written", "StatusChanged"),
                "404": problem("No such lead in your tenant"),
                "409": problem("Transition not allowed; `allowed` lists the statuses it may move to"),
                "412": problem("The lead changed since the version in If-Match"),
                "413": problem("Body over 16 KB"),
                "415": problem("Unsupported content type"),
                "422": problem("Invalid fields (a lost lead needs a reason)")
            }
        }),
        "add_lead_note" => json!({
            "parameters": [id_param()],
            "requestBody": json_body("NewNote"),
            "responses": {
                "201": ok("The note", "Note"),
                "404": problem("No such lead in your tenant"),
                "413": problem("Body over 16 KB"),
                "415": problem("Unsupported content type"),
                "422": problem("Invalid fields")
            }
        }),
        // Calls, missed calls and tasks (issue 5 items 4 and 6).
        "call_webhook" => json!({
            "parameters": signed_hook_params(),
            "requestBody": json_body("CallReport"),
            "responses": {
                "201": ok("Recorded (on the timeline; a missed call entered the recovery queue)", "CallAnswer"),
                "200": ok("This call id was recorded before: what the first delivery recorded", "CallAnswer"),
                "400": problem("Malformed request"),
                "401": problem("Missing, bad or expired signature, or no webhook secret configured"),
                "404": problem("Unknown tenant"),
                "409": problem("The caller's number was taken by a concurrent change; retry"),
                "413": problem("Body over 16 KB"),
                "415": problem("Unsupported content type"),
                "422": problem("Invalid fields, each named")
            }
        }),
        "list_missed_calls" => json!({
            "parameters": [
                param("status", "query", json!({"type": "string", "enum": ["open", "handled", "all"]}), "Which missed calls (default open)"),
                param("limit", "query", json!({"type": "integer", "minimum": 1, "maximum": 100}), "Page size (default 25)"),
                param("cursor", "query", json!({"type": "string"}), "next_cursor of the previous page")
            ],
            "responses": {"200": ok("A page of missed calls, newest first", "MissedCallPage"), "422": problem("Invalid parameter, each named")}
        }),
        "missed_call_sms" => json!({
            "parameters": [missed_call_param()],
            "requestBody": {
                "required": false,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RecoveryText"}}}
            },
            "responses": {
                "201": ok("The recovery text was queued (now) and recorded on the missed call", "RecoveryTextAnswer"),
                "404": problem("No such missed call in your tenant"),
                "409": problem("Handled already (conflict: handled), its recovery text is queued already (conflict: sms_queued, message_id), or the tenant's template cannot be used"),
                "413": problem("Body over 16 KB"),
                "415": problem("Unsupported content type"),
                "422": problem("Invalid fields, each named")
            }
        }),
        "handle_missed_call" => json!({
            "parameters": [missed_call_param()],
            "responses": {
                "200": ok("The missed call, handled (again: as first handled)", "MissedCall"),
                "404": problem("No such missed call in your tenant")
            }
        }),
        "list_tasks" => json!({
            "parameters": [
                param("assignee", "query", json!({"type": "string", "enum": ["me", "all"]}), "Only your tasks (default all)"),
                param("due", "query", json!({"type": "string", "enum": ["true", "false"]}), "Only tasks due by now"),
                param("status", "query", json!({"type": "string", "enum": ["open", "done", "all"]}), "Which tasks (default open: soonest due first; otherwise newest first)"),
                param("limit", "query", json!({"type": "integer", "minimum": 1, "maximum": 100}), "Page size (default 25)"),
                param("cursor", "query", json!({"type": "string"}), "next_cursor of the previous page")
            ],
            "responses": {"200": ok("A page of tasks", "TaskPage"), "422": problem("Invalid parameter, each named")}
        }),
        "complete_task" => json!({
            "parameters": [param("id", "path", json!({"type": "string"}), "Task id (`<lead id>.contact`)")],
            "responses": {
                "200": ok("The task, done (again: as first completed)", "Task"),
                "404": problem("No such task in your tenant")
            }
        }),
        other => crate::routes::public::openapi_messages::operation(other)
            .or_else(|| crate::routes::public::landing_page::openapi_operation(other))
            .unwrap_or_else(|| json!({"responses": {}})),
    }
}

fn schemas() -> Value {
    let statuses: Vec<&str> = LeadStatus::ALL.iter().map(|s| s.as_str()).collect();
    let sources: Vec<&str> = Source::ALL.iter().map(|s| s.as_str()).collect();
    let text = |max: u32| json!({"type": "string", "maxLength": max});
    let nullable_text = |max: u32| json!({"type": ["string", "null"], "maxLength": max});
    let date_time = json!({"type": "string", "format": "date-time"});
    let nullable_date_time = json!({"type": ["string", "null"], "format": "date-time"});
    let money = json!({"type": "integer", "minimum": 0, "maximum": 10_000_000_000i64});
    let mut capture = Map::new();
    for f in CAPTURE_FIELDS {
        let schema = match *f {
            "consent" => json!({"type": ["boolean", "string"]}),
            "source" => json!({"$ref": "#/components/schemas/Source"}),
            "message" => text(2000),
            "referrer" | "page_url" => text(2000),
            "fbclid" | "gclid" => text(500),
            "phone" => text(32),
            _ => text(200),
        };
        capture.insert((*f).to_owned(), schema);
    }
    let mut all = json!({
        "Problem": {
            "type": "object",
            "required": ["title", "status"],
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "errors": {"type": "array", "items": {
                    "type": "object", "required": ["field", "reason"],
                    "properties": {"field": {"type": "string"}, "reason": {"type": "string"}}
                }},
                "allowed": {"type": "array", "items": {"$ref": "#/components/schemas/LeadStatus"}},
                "existing_id": {"type": "string"},
                "current_version": {"type": "integer"}
            }
        },
        "LeadStatus": {"type": "string", "enum": statuses},
        "Source": {"type": "string", "enum": sources},
        "CaptureRequest": {
            "type": "object",
            "required": ["name", "phone"],
            "additionalProperties": false,
            "properties": capture,
            "examples": [{"name": "Ann Murphy", "phone": "087 123 4567", "service": "Massage", "utm_source": "facebook"}]
        },
        "CaptureResponse": {
            "type": "object",
            "required": ["lead_id", "redirect_url", "duplicate"],
            "properties": {"lead_id": {"type": "string"}, "redirect_url": {"type": "string"}, "duplicate": {"type": "boolean"}}
        },
        "NewLead": {
            "type": "object",
            "required": ["name", "phone"],
            "additionalProperties": false,
            "examples": [{"name": "Walk In", "phone": "0871112222", "service": "Facial", "expected_value": 4500}],
            "properties": {
                "name": text(100), "phone": text(32), "email": {"type": ["string", "null"], "format": "email"},
                "service": nullable_text(100), "message": text(2000),
                "source": {"$ref": "#/components/schemas/Source"}, "assignee": nullable_text(100),
                "expected_value": money, "follow_up_at": nullable_date_time, "appointment_at": nullable_date_time
            }
        },
        "LeadPatch": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": false,
            "properties": {
                "name": text(100), "phone": text(32), "email": {"type": ["string", "null"], "format": "email"},
                "service": nullable_text(100), "assignee": nullable_text(100),
                "expected_value": money, "follow_up_at": nullable_date_time, "appointment_at": nullable_date_time
            }
        },
        "StatusChange": {
            "type": "object",
            "required": ["status"],
            "additionalProperties": false,
            "properties": {"status": {"$ref": "#/components/schemas/LeadStatus"}, "reason": text(500)}
        },
        "NewNote": {
            "type": "object", "required": ["body"], "additionalProperties": false,
            "properties": {"body": text(5000)}
        },
        "Lead": {
            "type": "object",
            "required": ["id", "tenant_id", "name", "phone", "phone_raw", "status", "source", "expected_value", "stale", "created_at", "updated_at", "version"],
            "properties": {
                "id": {"type": "string"}, "tenant_id": {"type": "string"}, "name": {"type": "string"},
                "phone": {"type": "string"}, "phone_raw": {"type": "string"}, "email": {"type": "string"},
                "service": {"type": "string"}, "message": {"type": "string"},
                "status": {"$ref": "#/components/schemas/LeadStatus"}, "lost_reason": {"type": "string"},
                "assignee": {"type": "string"}, "follow_up_at": date_time, "appointment_at": date_time,
                "expected_value": {"type": "integer"}, "source": {"$ref": "#/components/schemas/Source"},
                "touch": {"type": "object"}, "consent": {"type": "object"},
                "customer_id": {"type": "string"}, "converted_booking_id": {"type": "string"},
                "stale": {"type": "boolean"}, "created_at": date_time, "updated_at": date_time,
                "version": {"type": "integer", "minimum": 1}
            }
        },
        "StatusEvent": {
            "type": "object",
            "required": ["id", "lead_id", "from", "to", "actor", "at"],
            "properties": {
                "id": {"type": "string"}, "lead_id": {"type": "string"},
                "from": {"anyOf": [{"$ref": "#/components/schemas/LeadStatus"}, {"type": "null"}]},
                "to": {"$ref": "#/components/schemas/LeadStatus"}, "actor": {"type": "string"},
                "reason": {"type": "string"}, "at": date_time
            }
        },
        "Note": {
            "type": "object",
            "required": ["id", "lead_id", "body", "author", "created_at"],
            "properties": {"id": {"type": "string"}, "lead_id": {"type": "string"}, "body": {"type": "string"}, "author": {"type": "string"}, "created_at": date_time}
        },
        "LeadDetail": {
            "allOf": [{"$ref": "#/components/schemas/Lead"}, {
                "type": "object", "required": ["events", "notes"],
                "properties": {
                    "events": {"type": "array", "items": {"$ref": "#/components/schemas/StatusEvent"}},
                    "notes": {"type": "array", "items": {"$ref": "#/components/schemas/Note"}}
                }
            }]
        },
        "StatusChanged": {
            "type": "object", "required": ["lead", "event"],
            "properties": {"lead": {"$ref": "#/components/schemas/Lead"}, "event": {"$ref": "#/components/schemas/StatusEvent"}}
        },
        "LeadPage": {
            "type": "object", "required": ["items", "next_cursor"],
            "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Lead"}}, "next_cursor": {"type": ["string", "null"]}}
        },
        "Board": {
            "type": "object", "required": ["columns"],
            "properties": {"columns": {"type": "array", "items": {
                "type": "object", "required": ["status", "count", "expected_value", "leads", "next_cursor"],
                "properties": {
                    "status": {"$ref": "#/components/schemas/LeadStatus"}, "count": {"type": "integer"},
                    "expected_value": {"type": "integer"},
                    "leads": {"type": "array", "items": {"$ref": "#/components/schemas/Lead"}},
                    "next_cursor": {"type": ["string", "null"]}
                }
            }}}
        },
        "Analytics": {
            "type": "object",
            "required": ["total", "new_this_month", "converted", "conversion_rate", "by_source", "won_by_source", "by_status", "growth_pct", "trend"],
            "properties": {
                "total": {"type": "integer"}, "new_this_month": {"type": "integer"}, "converted": {"type": "integer"},
                "conversion_rate": {"type": "number", "minimum": 0},
                "by_source": {"type": "object", "additionalProperties": {"type": "integer"}},
                "won_by_source": {"type": "object", "additionalProperties": {"type": "integer"}},
                "by_status": {"type": "object", "additionalProperties": {"type": "integer"}},
                "growth_pct": {"type": ["number", "null"]},
                "trend": {"type": "array", "items": {
                    "type": "object", "required": ["month", "leads", "won"],
                    "properties": {"month": {"type": "string"}, "leads": {"type": "integer"}, "won": {"type": "integer"}}
                }}
            }
        }
    });
    if let (Some(all), Value::Object(more)) = (all.as_object_mut(), customer_schemas()) {
        all.extend(more);
    }
    // Calls, missed calls and tasks (issue 5 items 4 and 6).
    if let (Some(all), Value::Object(more)) = (
        all.as_object_mut(),
        crate::routes::public::openapi_messages::schemas(),
    ) {
        all.extend(more);
    }
    // Calls, missed calls and tasks (issue 5 items 4 and 6).
    if let (Some(all), Value::Object(more)) = (all.as_object_mut(), call_task_schemas()) {
        all.extend(more);
    }
    all
}

/// The schemas of the customers and bookings routes.
fn customer_schemas() -> Value {
    let nullable_text = |max: u32| json!({"type": ["string", "null"], "maxLength": max});
    let date_time = json!({"type": "string", "format": "date-time"});
    json!({
        "Customer": {"type": "object", "required": ["id", "name", "segment", "tier", "stage", "version"]},
        "CustomerInput": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "name": {"type": "string", "maxLength": 200},
                "phone": {"type": "string", "maxLength": 32},
                "phones": {"type": "array", "items": {"type": "string", "maxLength": 32}},
                "email": {"type": "string", "maxLength": 254},
                "emails": {"type": "array", "items": {"type": "string", "maxLength": 254}},
                "date_of_birth": {"type": ["string", "null"], "format": "date"},
                "gender": nullable_text(40),
                "address": nullable_text(500),
                "company": nullable_text(200),
                "preferred_language": nullable_text(20),
                "marketing_consent": {"type": "boolean"},
                "tags": {"type": "array", "items": {"type": "string", "maxLength": 40}}
            }
        },
        "CustomerPage": {
            "type": "object",
            "required": ["customers", "next_cursor"],
            "properties": {
                "customers": {"type": "array", "items": {"type": "object", "required": ["id", "name", "segment", "lifetime_value", "visits", "points", "no_shows"]}},
                "next_cursor": {"type": ["string", "null"]}
            }
        },
        "NoteInput": {"type": "object", "required": ["body"], "additionalProperties": false, "properties": {"body": {"type": "string", "minLength": 1, "maxLength": 5000}}},
        "CustomerNote": {"type": "object", "required": ["id", "body", "author", "created_at"]},
        "Deleted": {"type": "object", "required": ["deleted"]},
        "Timeline": {
            "type": "object",
            "required": ["entries", "days", "next_cursor"],
            "properties": {
                "entries": {"type": "array", "items": {"type": "object", "required": ["id", "type", "at", "text"]}},
                "days": {"type": "array", "items": {"type": "object", "required": ["date", "counts", "entries"]}},
                "next_cursor": {"type": ["string", "null"]}
            }
        },
        "Conversion": {"type": "object", "required": ["customer", "created", "lead_id"]},
        "BookingFact": {
            "type": "object",
            "required": ["type", "booking_id", "version", "start"],
            "additionalProperties": false,
            "properties": {
                "type": {"type": "string", "enum": ["BookingCreated", "BookingRescheduled", "BookingCompleted", "BookingCancelled", "BookingNoShow"]},
                "booking_id": {"type": "string", "minLength": 1, "maxLength": 100},
                "version": {"type": "integer", "minimum": 1},
                "start": date_time.clone(),
                "service": nullable_text(100),
                "staff": nullable_text(100),
                "amount": {"type": ["integer", "null"], "minimum": 0},
                "currency": nullable_text(3),
                "paid": {"type": ["boolean", "null"]},
                "lead_id": nullable_text(40),
                "tenant_id": {"type": "string"},
                "customer": {"type": ["object", "null"], "additionalProperties": false, "properties": {
                    "name": nullable_text(200), "phone": nullable_text(32), "email": nullable_text(254)
                }}
            }
        },
        "BookingAnswer": {
            "type": "object",
            "required": ["applied", "customer_id", "booking_id", "version"],
            "properties": {
                "applied": {"type": "boolean"},
                "customer_id": {"type": "string"},
                "booking_id": {"type": "string"},
                "version": {"type": "integer"},
                "milestones": {"type": "array", "items": {"type": "string"}},
                "lead_id": {"type": ["string", "null"]},
                "lead_status": {"anyOf": [{"$ref": "#/components/schemas/LeadStatus"}, {"type": "null"}]}
            }
        },
        "CustomerDetail": {
            "type": "object",
            "required": ["customer", "kpis", "spending", "bookings", "leads"],
            "properties": {
                "customer": {"type": "object", "required": ["id", "name", "segment", "tier", "stage", "version"]},
                "kpis": {"type": "object", "required": ["visits", "lifetime_value", "average_spend", "no_shows", "cancellations", "bookings", "points", "tier"]},
                "spending": {"type": "object", "required": ["total", "average_per_visit"]},
                "bookings": {"type": "array", "items": {"type": "object", "required": ["booking_id", "version", "status", "start"]}},
                "leads": {"type": "array", "items": {"$ref": "#/components/schemas/Lead"}}
            }
        }
    })
}

fn missed_call_param() -> Value {
    param(
        "id",
        "path",
        json!({"type": "string"}),
        "Missed call id (ULID)",
    )
}

/// The schemas of the calls, missed-call and task routes.
fn call_task_schemas() -> Value {
    let nullable_text = |max: u32| json!({"type": ["string", "null"], "maxLength": max});
    let missed_call = json!({
        "type": "object",
        "required": ["id", "call_id", "customer_id", "phone", "name", "at", "status", "version"],
        "properties": {
            "id": {"type": "string"}, "call_id": {"type": "string"}, "customer_id": {"type": "string"},
            "phone": {"type": "string"}, "name": {"type": "string"},
            "at": {"type": "string", "format": "date-time"},
            "call_status": {"type": "string", "enum": ["missed", "voicemail"]},
            "status": {"type": "string", "enum": ["open", "handled"]},
            "handled_by": {"type": "string"}, "handled_at": {"type": "string", "format": "date-time"},
            "sms_message_id": {"type": "string"}, "version": {"type": "integer"}
        }
    });
    json!({
        "CallReport": {
            "type": "object",
            "required": ["call_id", "from", "status"],
            "additionalProperties": false,
            "properties": {
                "call_id": {"type": "string", "minLength": 1, "maxLength": 100},
                "from": {"type": "string", "maxLength": 32, "description": "The caller; national numbers read in the tenant's region"},
                "to": nullable_text(32),
                "status": {"type": "string", "enum": ["missed", "answered", "voicemail"]},
                "started_at": {"type": ["string", "null"], "format": "date-time"},
                "duration_seconds": {"type": ["integer", "null"], "minimum": 0, "maximum": 86400},
                "name": nullable_text(200)
            }
        },
        "CallAnswer": {
            "type": "object",
            "required": ["recorded", "call_id", "status", "customer_id", "customer_created", "timeline_entry_id", "missed_call"],
            "properties": {
                "recorded": {"type": "boolean"},
                "call_id": {"type": "string"},
                "status": {"type": "string", "enum": ["missed", "answered", "voicemail"]},
                "customer_id": {"type": "string"},
                "customer_created": {"type": "boolean"},
                "timeline_entry_id": {"type": "string"},
                "missed_call": {"anyOf": [{"$ref": "#/components/schemas/MissedCall"}, {"type": "null"}]}
            }
        },
        "MissedCall": missed_call,
        "MissedCallPage": {
            "type": "object",
            "required": ["missed_calls", "next_cursor"],
            "properties": {
                "missed_calls": {"type": "array", "items": {"$ref": "#/components/schemas/MissedCall"}},
                "next_cursor": {"type": ["string", "null"]}
            }
        },
        "RecoveryText": {
            "type": "object",
            "additionalProperties": false,
            "properties": {"body": {"type": ["string", "null"], "maxLength": 1600, "description": "Your words; none: the tenant's missed_call template"}}
        },
        "RecoveryTextAnswer": {
            "type": "object",
            "required": ["missed_call", "message"],
            "properties": {
                "missed_call": {"$ref": "#/components/schemas/MissedCall"},
                "message": {"type": "object", "required": ["id", "kind", "to", "body", "status", "not_before"]}
            }
        },
        "Task": {
            "type": "object",
            "required": ["id", "lead_id", "kind", "title", "due_at", "status", "lead_name", "created_at", "version"],
            "properties": {
                "id": {"type": "string"}, "lead_id": {"type": "string"}, "kind": {"type": "string"},
                "title": {"type": "string"}, "due_at": {"type": "string", "format": "date-time"},
                "assignee": {"type": "string"}, "status": {"type": "string", "enum": ["open", "done"]},
                "lead_name": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"},
                "completed_by": {"type": "string"}, "completed_at": {"type": "string", "format": "date-time"},
                "version": {"type": "integer"}
            }
        },
        "TaskPage": {
            "type": "object",
            "required": ["tasks", "next_cursor"],
            "properties": {
                "tasks": {"type": "array", "items": {"$ref": "#/components/schemas/Task"}},
                "next_cursor": {"type": ["string", "null"]}
            }
        }
    })
}

/// The whole document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for route in ROUTES {
        let mut op = operation(route.function);
        op["operationId"] = route.function.into();
        op["summary"] = route.summary.into();
        match route.access {
            Access::Public => op["security"] = json!([]),
            Access::Admin(role) => {
                op["security"] = json!([{"bearerAuth": []}]);
                op["x-min-role"] = role.as_str().into();
                op["responses"]["400"] = problem("Malformed request");
                op["responses"]["401"] = problem("Missing or invalid token");
                op["responses"]["403"] = problem("Your role may not do this");
            }
        }
        if op["responses"].get("503").is_none() {
            op["responses"]["503"] = problem("A dependency is unavailable; retry");
        }
        paths
            .entry(route.path.to_owned())
            .or_insert_with(|| json!({}))[route.method.to_ascii_lowercase()] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Pipeline CRM API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Lead capture and the admin API of Pipeline CRM. Errors are application/problem+json."
        },
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "schemas": schemas()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_describes_exactly_the_routes() {
        let doc = document();
        let mut described = Vec::new();
        for (path, ops) in doc["paths"].as_object().into_iter().flatten() {
            for (method, op) in ops.as_object().into_iter().flatten() {
                described.push((
                    method.to_ascii_uppercase(),
                    path.clone(),
                    op["operationId"].as_str().unwrap_or("").to_owned(),
                ));
            }
        }
        let mut routes: Vec<_> = ROUTES
            .iter()
            .map(|r| {
                (
                    r.method.to_owned(),
                    r.path.to_owned(),
                    r.function.to_owned(),
                )
            })
            .collect();
        described.sort();
        routes.sort();
        assert_eq!(described, routes);
    }

    #[test]
    fn every_operation_documents_its_success_and_errors() {
        let doc = document();
        for route in ROUTES {
            let op = &doc["paths"][route.path][route.method.to_ascii_lowercase()];
            let responses = op["responses"].as_object().cloned().unwrap_or_default();
            assert!(
                responses.keys().any(|k| k.starts_with('2')),
                "{}",
                route.function
            );
            assert!(responses.contains_key("503"), "{}", route.function);
            if matches!(route.access, Access::Admin(_)) {
                assert!(
                    responses.contains_key("401") && responses.contains_key("403"),
                    "{}",
                    route.function
                );
            }
        }
    }

    #[test]
    fn every_schema_reference_resolves() {
        let doc = document();
        let text = doc.to_string();
        for piece in text.split("\"#/components/schemas/").skip(1) {
            let name = piece.split('"').next().unwrap_or("");
            assert!(
                doc["components"]["schemas"].get(name).is_some(),
                "missing schema {name}"
            );
        }
    }
}
