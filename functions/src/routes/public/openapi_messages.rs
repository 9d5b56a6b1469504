//! The OpenAPI operations and schemas of the messaging and settings routes (part of
//! `openapi`'s document).

use crm_shared::domain::message::{MessageKind, MAX_BODY_CHARS};
use serde_json::{json, Value};

use crate::routes::public::openapi::{
    if_match, json_body, ok, param, problem, provider_hook_params,
};

fn customer_param() -> Value {
    param(
        "id",
        "path",
        json!({"type": "string"}),
        "Customer id (ULID)",
    )
}

/// The operation of `function`, if it is one of these routes.
pub fn operation(function: &str) -> Option<Value> {
    Some(match function {
        "list_messages" => json!({
            "parameters": [
                param("status", "query", json!({"type": "string", "enum": ["queued", "sent", "delivered", "failed", "skipped"]}), "Only this status"),
                param("limit", "query", json!({"type": "integer", "minimum": 1, "maximum": 100}), "Page size (default 25)"),
                param("cursor", "query", json!({"type": "string"}), "next_cursor of the previous page")
            ],
            "responses": {
                "200": ok("Texts, newest first", "MessagePage"),
                "400": problem("Bad cursor"),
                "422": problem("Bad filter, named")
            }
        }),
        "send_customer_message" => json!({
            "parameters": [customer_param()],
            "requestBody": json_body("MessageInput"),
            "responses": {
                "202": ok("Queued", "Message"),
                "404": problem("No such customer in your tenant"),
                "409": problem("The customer's number opted out (STOP)"),
                "413": problem("Body over 16 KB"),
                "415": problem("Unsupported content type"),
                "422": problem("Invalid fields, or the customer has no phone"),
                "503": problem("The queue is unavailable; nothing was sent")
            }
        }),
        "request_review" => json!({
            "parameters": [customer_param()],
            "responses": {
                "202": ok("Review request queued", "Message"),
                "404": problem("No such customer in your tenant"),
                "409": problem("A review was requested within 90 days (`review_requested_at`), or one is still waiting to go out (`conflict: review_waiting`, `not_before`)"),
                "422": problem("The customer has no phone"),
                "503": problem("The queue is unavailable; nothing was sent")
            }
        }),
        "sms_inbound" => json!({
            "parameters": provider_hook_params(),
            "requestBody": {
                "required": true,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/InboundText"}},
                    "application/x-www-form-urlencoded": {"schema": {"$ref": "#/components/schemas/InboundText"}}
                }
            },
            "responses": {
                "200": {
                    "description": "What the text did; to a Twilio-signed request, an empty TwiML answer",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/InboundAnswer"}},
                        "text/xml": {"schema": {"type": "string"}}
                    }
                },
                "400": problem("Malformed request"),
                "401": problem("Missing, bad or expired signature, no webhook secret configured, or a Twilio signature without the provider's auth token configured"),
                "404": problem("Unknown tenant"),
                "413": problem("Body over 16 KB"),
                "415": problem("Unsupported content type"),
                "422": problem("Invalid fields, each named")
            }
        }),
        "sms_status" => json!({
            "parameters": provider_hook_params(),
            "requestBody": {
                "required": true,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/DeliveryReport"}},
                    "application/x-www-form-urlencoded": {"schema": {"$ref": "#/components/schemas/DeliveryReport"}}
                }
            },
            "responses": {
                "200": ok("The message's status after the report", "DeliveryAnswer"),
                "202": ok("A final report for a provider id not recorded yet: kept (parked) and applied when the send is recorded", "DeliveryAnswer"),
                "400": problem("Malformed request"),
                "401": problem("Missing, bad or expired signature, no webhook secret configured, or a Twilio signature without the provider's auth token configured"),
                "404": problem("Unknown tenant, or an intermediate status for a provider id not recorded"),
                "413": problem("Body over 16 KB"),
                "415": problem("Unsupported content type"),
                "422": problem("Invalid fields, each named"),
                "503": problem("The message kept changing; the provider may send the report again")
            }
        }),
        "get_business" => json!({
            "responses": {"200": ok("The business as every role sees it", "Business")}
        }),
        "get_settings" => json!({
            "responses": {"200": ok("The settings; secrets only as set or not", "Settings")}
        }),
        "update_settings" => json!({
            "parameters": [if_match()],
            "requestBody": json_body("SettingsPatch"),
            "responses": {
                "200": ok("The settings after the change", "Settings"),
                "412": problem("The settings changed since the version in If-Match"),
                "413": problem("Body over 16 KB"),
                "415": problem("Unsupported content type"),
                "422": problem("Invalid fields, each named")
            }
        }),
        _ => return None,
    })
}

/// The schemas these routes use.
pub fn schemas() -> Value {
    let kinds: Vec<&str> = MessageKind::ALL.iter().map(|k| k.as_str()).collect();
    let span = json!({
        "type": "object", "required": ["start", "end"], "additionalProperties": false,
        "properties": {
            "start": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"},
            "end": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}
        }
    });
    let landing = json!({"type": "object", "additionalProperties": false, "properties": {
        "headline": {"type": ["string", "null"], "maxLength": 120},
        "logo_url": {"type": ["string", "null"], "pattern": "^https://\\S+$", "maxLength": 500},
        "rating": {"type": ["number", "null"], "minimum": 0, "maximum": 5},
        "review_count": {"type": ["integer", "null"], "minimum": 0, "maximum": 10000000},
        "address": {"type": ["string", "null"], "maxLength": 200},
        "reply_within_minutes": {"type": ["integer", "null"], "minimum": 1, "maximum": 1440}
    }});
    json!({
        "Message": {
            "type": "object",
            "required": ["id", "kind", "to", "body", "status", "not_before", "created_at", "version"],
            "properties": {
                "id": {"type": "string"},
                "kind": {"type": "string", "enum": kinds},
                "status": {"type": "string", "enum": ["queued", "sent", "delivered", "failed", "skipped"]},
                "reason": {"type": ["string", "null"]},
                "customer_id": {"type": ["string", "null"]}
            }
        },
        "MessagePage": {
            "type": "object",
            "required": ["items", "next_cursor"],
            "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Message"}},
                "next_cursor": {"type": ["string", "null"]}
            }
        },
        "MessageInput": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "body": {"type": "string", "minLength": 1, "maxLength": MAX_BODY_CHARS},
                "template": {"type": "string", "enum": kinds}
            }
        },
        "InboundText": {
            "type": "object",
            "required": ["From"],
            "properties": {
                "From": {"type": "string", "maxLength": 40},
                "Body": {"type": "string", "maxLength": 1600}
            }
        },
        "InboundAnswer": {
            "type": "object",
            "required": ["action", "customer_id"],
            "properties": {
                "action": {"type": "string", "enum": ["opted_out", "opted_in", "received"]},
                "customer_id": {"type": ["string", "null"]}
            }
        },
        "DeliveryReport": {
            "type": "object",
            "required": ["MessageSid", "MessageStatus"],
            "properties": {
                "MessageSid": {"type": "string", "maxLength": 64},
                "MessageStatus": {"type": "string", "maxLength": 32},
                "ErrorCode": {"type": ["string", "integer"]}
            }
        },
        "DeliveryAnswer": {
            "type": "object",
            "required": ["message_id", "status", "changed"],
            "properties": {
                "message_id": {"type": ["string", "null"], "description": "null while the report is parked"},
                "status": {"type": "string", "enum": ["queued", "sent", "delivered", "failed", "skipped"]},
                "changed": {"type": "boolean"},
                "parked": {"type": "boolean", "description": "true: kept until the send is recorded"}
            }
        },
        "Business": {
            "type": "object",
            "required": ["tenant_id", "business_name", "currency", "time_zone", "default_region", "landing_path", "role"],
            "properties": {
                "tenant_id": {"type": "string"},
                "business_name": {"type": "string"},
                "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
                "time_zone": {"type": "string"},
                "default_region": {"type": "string"},
                "landing_path": {"type": "string"},
                "role": {"type": "string", "enum": ["owner", "admin", "staff"]}
            }
        },
        "Settings": {
            "type": "object",
            "required": ["tenant_id", "business_name", "time_zone", "quiet_hours", "templates", "webhook_secret_set", "version"],
            "properties": {
                "version": {"type": "integer", "minimum": 0},
                "meta": {"type": ["object", "null"], "properties": {
                    "pixel_id": {"type": "string"},
                    "access_token_set": {"type": "boolean"}
                }},
                "webhook_secret_set": {"type": "boolean"}
            }
        },
        "SettingsPatch": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "business_name": {"type": "string", "minLength": 1, "maxLength": 100},
                "time_zone": {"type": "string", "examples": ["Europe/Dublin"]},
                "default_region": {"type": "string", "examples": ["IE"]},
                "redirect_url": {"type": "string", "format": "uri", "maxLength": 500},
                "stale_after_hours": {"type": "integer", "minimum": 1, "maximum": 720},
                "dedupe_window_hours": {"type": "integer", "minimum": 1, "maximum": 168},
                "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
                "services": {"type": "array", "maxItems": 50, "items": {"type": "string", "minLength": 1, "maxLength": 80}},
                "thresholds": {"type": "object"},
                "quiet_hours": span.clone(),
                "business_hours": span,
                "templates": {"type": "object", "additionalProperties": {"type": ["string", "null"], "maxLength": MAX_BODY_CHARS}},
                "sms_from": {"type": ["string", "null"], "maxLength": 40},
                "review_delay_minutes": {"type": "integer", "minimum": 0, "maximum": 10080},
                "review_url": {"type": ["string", "null"], "format": "uri", "maxLength": 500},
                "missed_call_sms_after_minutes": {"type": ["integer", "null"], "minimum": 0, "maximum": 1440},
                "meta": {"type": ["object", "null"], "additionalProperties": false, "properties": {
                    "pixel_id": {"type": "string", "pattern": "^[0-9]{5,30}$"},
                    "access_token": {"type": "string", "minLength": 1, "maxLength": 1000},
                    "test_event_code": {"type": ["string", "null"], "maxLength": 40}
                }},
                "webhook_secret": {"type": "string", "minLength": 16, "maxLength": 200, "pattern": "^\\S+$"},
                "landing": landing
            }
        }
    })
}
