//! The one list of HTTP routes. The local server mounts it, the OpenAPI document describes
//! it and a test checks the SAM template declares exactly it.

use crate::http::auth::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No token (rate limited, size limited).
    Public,
    /// A verified token with at least this role.
    Admin(Role),
    /// A verified token naming a person (`sub`) and their verified email, with or without a
    /// business: someone signed up at the identity provider who has no tenant yet.
    Person,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    /// API Gateway path syntax: `/leads/{id}`.
    pub path: &'static str,
    /// The Lambda function (and handler module) serving it.
    pub function: &'static str,
    pub access: Access,
    pub summary: &'static str,
}

const fn public(
    method: &'static str,
    path: &'static str,
    function: &'static str,
    summary: &'static str,
) -> Route {
    Route {
        method,
        path,
        function,
        access: Access::Public,
        summary,
    }
}

const fn admin(
    method: &'static str,
    path: &'static str,
    function: &'static str,
    role: Role,
    summary: &'static str,
) -> Route {
    Route {
        method,
        path,
        function,
        access: Access::Admin(role),
        summary,
    }
}

const fn person(
    method: &'static str,
    path: &'static str,
    function: &'static str,
    summary: &'static str,
) -> Route {
    Route {
        method,
        path,
        function,
        access: Access::Person,
        summary,
    }
}

pub const ROUTES: &[Route] = &[
    public(
        "POST",
        "/public/{tenant}/leads",
        "capture_lead",
        "Capture a lead from a landing page",
    ),
    public(
        "GET",
        "/openapi.json",
        "openapi",
        "This API's OpenAPI 3.1 document",
    ),
    admin(
        "POST",
        "/leads",
        "create_lead",
        Role::Admin,
        "Create a lead by hand",
    ),
    admin(
        "GET",
        "/leads",
        "list_leads",
        Role::Staff,
        "List leads, newest first",
    ),
    admin(
        "GET",
        "/leads/board",
        "lead_board",
        Role::Staff,
        "The lead board: one column per status",
    ),
    admin(
        "GET",
        "/leads/analytics",
        "lead_analytics",
        Role::Staff,
        "Lead analytics from counters",
    ),
    admin(
        "GET",
        "/leads/{id}",
        "get_lead",
        Role::Staff,
        "One lead with its status events and notes",
    ),
    admin(
        "PATCH",
        "/leads/{id}",
        "update_lead",
        Role::Admin,
        "Edit a lead (If-Match version)",
    ),
    admin(
        "POST",
        "/leads/{id}/status",
        "change_lead_status",
        Role::Staff,
        "Move a lead to another status",
    ),
    admin(
        "POST",
        "/leads/{id}/notes",
        "add_lead_note",
        Role::Staff,
        "Add a note to a lead",
    ),
    public(
        "POST",
        "/hooks/{tenant}/bookings",
        "booking_webhook",
        "A booking fact from the booking system (signed webhook)",
    ),
    admin(
        "GET",
        "/customers/{id}",
        "get_customer",
        Role::Staff,
        "A customer: profile, KPIs, spending, bookings and leads",
    ),
    admin(
        "GET",
        "/customers",
        "list_customers",
        Role::Staff,
        "List, sort, filter or search customers",
    ),
    admin(
        "GET",
        "/exports/customers.csv",
        "export_customers",
        Role::Admin,
        "The customers as CSV, filtered and sorted like the list (owner, admin)",
    ),
    admin(
        "POST",
        "/customers",
        "create_customer",
        Role::Admin,
        "Create a customer by hand",
    ),
    admin(
        "PATCH",
        "/customers/{id}",
        "update_customer",
        Role::Admin,
        "Edit a customer's profile (If-Match version)",
    ),
    admin(
        "DELETE",
        "/customers/{id}",
        "delete_customer",
        Role::Owner,
        "Delete a customer and everything of theirs",
    ),
    admin(
        "POST",
        "/privacy/erase",
        "erase_person",
        Role::Owner,
        "Erase a person (customer or lead) by phone or email",
    ),
    admin(
        "POST",
        "/customers/{id}/tags/{tag}",
        "add_customer_tag",
        Role::Admin,
        "Add a manual tag",
    ),
    admin(
        "DELETE",
        "/customers/{id}/tags/{tag}",
        "remove_customer_tag",
        Role::Admin,
        "Remove a manual tag",
    ),
    admin(
        "POST",
        "/customers/{id}/points/redeem",
        "redeem_points",
        Role::Staff,
        "Spend some of a customer's loyalty points (never below zero)",
    ),
    admin(
        "POST",
        "/customers/{id}/notes",
        "add_customer_note",
        Role::Staff,
        "Add a note to a customer",
    ),
    admin(
        "PATCH",
        "/customers/{id}/notes/{note_id}",
        "edit_customer_note",
        Role::Staff,
        "Edit a customer's note",
    ),
    admin(
        "DELETE",
        "/customers/{id}/notes/{note_id}",
        "delete_customer_note",
        Role::Staff,
        "Delete a customer's note",
    ),
    admin(
        "GET",
        "/customers/{id}/timeline",
        "customer_timeline",
        Role::Staff,
        "A customer's timeline (JSON pages or CSV)",
    ),
    admin(
        "POST",
        "/leads/{id}/convert",
        "convert_lead",
        Role::Admin,
        "Make a lead a customer (or link it to one)",
    ),
    // Messages and settings (issue 5).
    admin(
        "GET",
        "/messages",
        "list_messages",
        Role::Staff,
        "Texts sent, queued, failed or skipped, newest first",
    ),
    admin(
        "POST",
        "/customers/{id}/messages",
        "send_customer_message",
        Role::Admin,
        "Text a customer (queued; quiet hours and opt-outs apply)",
    ),
    admin(
        "POST",
        "/customers/{id}/review-request",
        "request_review",
        Role::Admin,
        "Ask a customer for a review (at most once in 90 days)",
    ),
    public(
        "POST",
        "/hooks/{tenant}/sms-inbound",
        "sms_inbound",
        "Inbound text from the SMS provider (signed): STOP/START and replies",
    ),
    public(
        "POST",
        "/hooks/{tenant}/sms-status",
        "sms_status",
        "Delivery report from the SMS provider (signed): delivered or failed",
    ),
    admin(
        "GET",
        "/settings",
        "get_settings",
        Role::Owner,
        "The business's settings (secrets are never returned)",
    ),
    admin(
        "PATCH",
        "/settings",
        "update_settings",
        Role::Owner,
        "Change the business's settings",
    ),
    // Calls, missed calls and tasks (issue 5 items 4 and 6).
    public(
        "POST",
        "/hooks/{tenant}/calls",
        "call_webhook",
        "A call from the telephony system (signed webhook)",
    ),
    admin(
        "GET",
        "/missed-calls",
        "list_missed_calls",
        Role::Staff,
        "The missed-call recovery queue, newest first",
    ),
    admin(
        "POST",
        "/missed-calls/{id}/sms",
        "missed_call_sms",
        Role::Admin,
        "Queue a missed call's recovery text",
    ),
    admin(
        "POST",
        "/missed-calls/{id}/handled",
        "handle_missed_call",
        Role::Staff,
        "Mark a missed call handled",
    ),
    admin(
        "GET",
        "/tasks",
        "list_tasks",
        Role::Staff,
        "Follow-up tasks, soonest due first",
    ),
    admin(
        "POST",
        "/tasks/{id}/complete",
        "complete_task",
        Role::Staff,
        "Complete a follow-up task",
    ),
    // Members (issue 15): owners manage everyone, admins staff (the handlers apply who may
    // manage whom; the table admits admins and up).
    admin(
        "GET",
        "/members",
        "list_members",
        Role::Admin,
        "The business's members",
    ),
    admin(
        "POST",
        "/members",
        "invite_member",
        Role::Admin,
        "Invite a person as a member",
    ),
    admin(
        "PATCH",
        "/members/{id}",
        "update_member",
        Role::Admin,
        "Change a member's role",
    ),
    admin(
        "DELETE",
        "/members/{id}",
        "remove_member",
        Role::Admin,
        "Remove a member: their sessions stop at once",
    ),
    admin(
        "POST",
        "/members/{id}/invitation",
        "reinvite_member",
        Role::Admin,
        "A new invite (or password reset) for a member",
    ),
    // Sign-up in the cloud (issue 15): a person Cognito verified founds their business.
    person(
        "POST",
        "/tenants",
        "create_tenant",
        "Found a business, the caller its first owner",
    ),
    // What every screen of the admin app shows of the business (issue 6).
    admin(
        "GET",
        "/business",
        "get_business",
        Role::Staff,
        "The business's name, currency and time zone (for every role)",
    ),
    // Possible duplicates (issue 19): reviewed side by side; merged, kept both or ignored.
    admin(
        "GET",
        "/duplicates",
        "list_duplicates",
        Role::Admin,
        "Possible duplicate customers, side by side",
    ),
    admin(
        "POST",
        "/duplicates/{id}/resolve",
        "resolve_duplicate",
        Role::Admin,
        "Merge a pair, keep both, or ignore it",
    ),
    // Imports (issue 19): owners and admins bring a client list.
    admin(
        "POST",
        "/imports",
        "create_import",
        Role::Admin,
        "Upload a client list (CSV or XLSX) to import",
    ),
    admin(
        "GET",
        "/imports/{id}",
        "get_import",
        Role::Admin,
        "An import: status, mapping and progress",
    ),
    admin(
        "PATCH",
        "/imports/{id}",
        "update_import",
        Role::Admin,
        "Change an import's mapping and options",
    ),
    admin(
        "POST",
        "/imports/{id}/preview",
        "preview_import",
        Role::Admin,
        "What the first rows of an import would do",
    ),
    admin(
        "POST",
        "/imports/{id}/start",
        "start_import",
        Role::Admin,
        "Start an import (the imports worker runs it)",
    ),
    admin(
        "POST",
        "/imports/{id}/cancel",
        "cancel_import",
        Role::Admin,
        "Stop an import; imported rows stay",
    ),
    admin(
        "GET",
        "/imports/{id}/errors.csv",
        "import_errors",
        Role::Admin,
        "An import's refused rows as CSV, with why",
    ),
    // Landing page (issue 6).
    public(
        "GET",
        "/p/{tenant}/book",
        "landing_page",
        "The business's landing page (HTML, works without JavaScript)",
    ),
];

/// Functions that are not HTTP routes: consumers and scheduled jobs.
pub const WORKERS: &[&str] = &[
    "count_leads",
    "ingest_booking",
    "stale_leads",
    "send_sms",
    // Meta Conversions API sender (the `conversions` queue's consumer).
    "send_conversions",
    // The imports queue's consumer (issue 19).
    "run_import",
    // The daily customer jobs (hourly: 03:00 local in every zone).
    "segment_refresh",
    "milestones",
    // Cognito's pre token generation trigger: tenant and role from the membership (§7.1).
    "pre_token",
    // The table's stream consumer: lead.captured and lead.status_changed (the outbox).
    "publish_events",
    // Texts that go out by themselves: a lead's follow-up, milestone greetings (issue 20).
    "auto_texts",
];

/// The route serving `method` + `path` template, if any.
pub fn find(method: &str, path: &str) -> Option<&'static Route> {
    ROUTES.iter().find(|r| r.method == method && r.path == path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_route_and_function_is_declared_once() {
        let mut seen = std::collections::HashSet::new();
        for r in ROUTES {
            assert!(seen.insert((r.method, r.path)), "{} {}", r.method, r.path);
        }
        let mut functions = std::collections::HashSet::new();
        for r in ROUTES {
            assert!(functions.insert(r.function), "{}", r.function);
        }
        for w in WORKERS {
            assert!(functions.insert(w), "{w}");
        }
    }
}
