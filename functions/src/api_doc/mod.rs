//! The OpenAPI 3.1 document of every route (`GET /openapi.json`), generated: each handler's
//! `#[utoipa::path]` names its parameters, body and answers by their Rust types (the same
//! types the handler reads and writes, so the two cannot drift); this module lists the
//! handlers and applies what the route table (`crm_shared::http::routes::ROUTES`) says of
//! every route: its operation id, summary and access, the token errors of admin routes, and
//! that every error is an `application/problem+json` [`Problem`].

use crm_shared::http::routes::{Access, Route, ROUTES};
use utoipa::openapi::extensions::ExtensionsBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, OpenApi as Document, Ref, RefOr, Response, ResponseBuilder, Schema, Type,
};
use utoipa::OpenApi;

use crate::routes::schema::Problem;
use crate::routes::{
    calls, customers, duplicates, hooks, imports, leads, members, messages, privacy, public,
    settings, tasks, tenants,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Pipeline CRM API",
        description = "Lead capture and the admin API of Pipeline CRM. Errors are application/problem+json."
    ),
    paths(
        public::capture::handle,
        public::landing_page::handle,
        openapi_document,
        leads::create::handle,
        leads::list::handle,
        leads::board::handle,
        leads::analytics::handle,
        leads::get::handle,
        leads::update::handle,
        leads::status::handle,
        leads::notes::handle,
        leads::convert::handle,
        customers::get::handle,
        customers::list::handle,
        customers::export::handle,
        customers::create::handle,
        customers::update::handle,
        customers::delete::handle,
        privacy::erase::handle,
        customers::tags::add,
        customers::points::redeem,
        customers::tags::remove,
        customers::notes::add,
        customers::notes::edit,
        customers::notes::delete,
        customers::timeline::handle,
        messages::list::handle,
        messages::send::handle,
        messages::review::handle,
        calls::list::handle,
        calls::sms::handle,
        calls::handled::handle,
        tasks::list::handle,
        tasks::complete::handle,
        members::list::handle,
        members::invite::handle,
        members::update::handle,
        members::remove::handle,
        members::reset::handle,
        settings::get::handle,
        settings::update::handle,
        settings::business::handle,
        tenants::create::handle,
        hooks::bookings::handle,
        hooks::calls::handle,
        hooks::sms_inbound::handle,
        hooks::sms_status::handle,
        duplicates::list::handle,
        duplicates::resolve::handle,
        imports::create::handle,
        imports::get::handle,
        imports::update::handle,
        imports::preview::handle,
        imports::start::handle,
        imports::cancel::handle,
        imports::errors::handle,
    ),
    components(schemas(Problem))
)]
struct ApiDoc;

/// `GET /openapi.json` (its handler serves [`document`]; described here, where the document
/// is made, so the handler need not be listed by the document it serves).
#[utoipa::path(
    get,
    path = "/openapi.json",
    operation_id = "openapi",
    responses((status = 200, description = "This document", body = Object))
)]
#[allow(dead_code)]
fn openapi_document() {}

/// The whole document.
pub fn document() -> Document {
    let mut doc = ApiDoc::openapi();
    // Not the crate's license and authors: the API's own info only.
    doc.info.license = None;
    doc.info.contact = None;
    for route in ROUTES {
        if let Some(op) = operation(&mut doc, route) {
            apply_route(op, route);
        }
    }
    if let Some(components) = doc.components.as_mut() {
        components.add_security_scheme(
            "bearerAuth",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
    doc
}

/// The document as JSON text, as served.
pub fn json() -> String {
    serde_json::to_string(&document()).unwrap_or_default()
}

fn operation<'d>(doc: &'d mut Document, route: &Route) -> Option<&'d mut Operation> {
    let item = doc.paths.paths.get_mut(route.path)?;
    match route.method {
        "GET" => item.get.as_mut(),
        "POST" => item.post.as_mut(),
        "PUT" => item.put.as_mut(),
        "PATCH" => item.patch.as_mut(),
        "DELETE" => item.delete.as_mut(),
        _ => None,
    }
}

/// What the route table says of `route`'s operation.
fn apply_route(op: &mut Operation, route: &Route) {
    op.operation_id = Some(route.function.to_owned());
    op.summary = Some(route.summary.to_owned());
    op.description = None;
    op.tags = None;
    let responses = &mut op.responses.responses;
    match route.access {
        Access::Public => op.security = Some(Vec::new()),
        Access::Person => {
            op.security = Some(vec![SecurityRequirement::new(
                "bearerAuth",
                Vec::<String>::new(),
            )]);
            for (status, description) in [
                ("400", "Malformed request"),
                (
                    "401",
                    "Missing or invalid token, or one without a verified email",
                ),
            ] {
                responses.insert(status.to_owned(), RefOr::T(problem(description)));
            }
        }
        Access::Admin(role) => {
            op.security = Some(vec![SecurityRequirement::new(
                "bearerAuth",
                Vec::<String>::new(),
            )]);
            op.extensions = Some(
                ExtensionsBuilder::new()
                    .add("x-min-role", role.as_str())
                    .build(),
            );
            for (status, description) in [
                ("400", "Malformed request"),
                ("401", "Missing or invalid token"),
                ("403", "Your role may not do this"),
            ] {
                responses.insert(status.to_owned(), RefOr::T(problem(description)));
            }
        }
    }
    responses
        .entry("503".to_owned())
        .or_insert_with(|| RefOr::T(problem("A dependency is unavailable; retry")));
    // An optional body is left out, never sent as JSON null.
    if let Some(RefOr::T(body)) = op.request_body.as_mut() {
        if body.required != Some(utoipa::openapi::Required::True) {
            for content in body.content.values_mut() {
                let RefOr::T(content) = content else { continue };
                if let Some(RefOr::T(Schema::OneOf(one_of))) = &content.schema {
                    let not_null: Vec<_> = one_of
                        .items
                        .iter()
                        .filter(|s| !matches!(s, RefOr::T(Schema::Object(o)) if o.schema_type == Type::Null.into()))
                        .cloned()
                        .collect();
                    if let [only] = not_null.as_slice() {
                        content.schema = Some(only.clone());
                    }
                }
            }
        }
    }
    let responses = &mut op.responses.responses;
    // Every error without a body of its own is a problem document.
    for (status, response) in responses.iter_mut() {
        if let RefOr::T(r) = response {
            if status.as_str() >= "400" && r.content.is_empty() {
                *r = problem(&r.description);
            }
        }
    }
}

fn problem(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn doc() -> Value {
        serde_json::to_value(document()).unwrap_or_default()
    }

    #[test]
    fn the_document_describes_exactly_the_routes() {
        let doc = doc();
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
        let doc = doc();
        for route in ROUTES {
            let op = &doc["paths"][route.path][route.method.to_ascii_lowercase()];
            let responses = op["responses"].as_object().cloned().unwrap_or_default();
            assert!(
                responses.keys().any(|k| k.starts_with('2')),
                "{}",
                route.function
            );
            assert!(responses.contains_key("503"), "{}", route.function);
            if matches!(route.access, Access::Person) {
                assert!(responses.contains_key("401"), "{}", route.function);
            }
            if matches!(route.access, Access::Admin(_)) {
                assert!(
                    responses.contains_key("401") && responses.contains_key("403"),
                    "{}",
                    route.function
                );
            }
            for (status, r) in &responses {
                if status.as_str() >= "400" {
                    assert!(
                        r["content"].is_object(),
                        "{} {status} has no body",
                        route.function
                    );
                }
            }
        }
    }

    #[test]
    fn every_schema_reference_resolves() {
        let doc = doc();
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

#[cfg(test)]
mod drift {
    use std::collections::BTreeSet;

    use utoipa::openapi::{RefOr, Schema};
    use utoipa::{IntoParams, ToSchema};

    use crate::routes::schema::*;
    use crate::routes::{calls, customers, leads, messages, settings, tasks};

    /// The property names of `T`'s schema.
    fn properties<T: ToSchema>() -> BTreeSet<String> {
        match T::schema() {
            RefOr::T(Schema::Object(o)) => o.properties.keys().cloned().collect(),
            _ => BTreeSet::new(),
        }
    }

    fn names(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    fn param_names<P: IntoParams>() -> Vec<String> {
        P::into_params(|| None)
            .into_iter()
            .map(|p| p.name)
            .collect()
    }

    #[test]
    fn each_body_schema_names_exactly_the_fields_its_reader_accepts() {
        use crm_shared::domain::{booking, call, capture};
        let mut new_lead = names(leads::fields::PATCH_FIELDS);
        new_lead.extend(names(&["message", "source"]));
        let mut customer = names(customers::fields::PROFILE_FIELDS);
        customer.insert("tags".into());
        for (schema, fields) in [
            (properties::<CaptureRequest>(), names(capture::FIELDS)),
            (properties::<NewLead>(), new_lead),
            (
                properties::<LeadPatch>(),
                names(leads::fields::PATCH_FIELDS),
            ),
            (properties::<StatusChange>(), names(&["status", "reason"])),
            (properties::<NewNote>(), names(&["body"])),
            (properties::<CustomerInput>(), customer),
            (properties::<NoteInput>(), names(&["body"])),
            (
                properties::<RedeemInput>(),
                names(customers::points::FIELDS),
            ),
            (properties::<BookingFact>(), names(booking::FACT_FIELDS)),
            (properties::<CallReport>(), names(call::CALL_FIELDS)),
            (properties::<RecoveryText>(), names(&["body"])),
            (properties::<MessageInput>(), names(&["body", "template"])),
            (
                properties::<SettingsPatch>(),
                names(settings::fields::FIELDS),
            ),
        ] {
            assert_eq!(schema, fields);
        }
    }

    #[test]
    fn each_list_documents_exactly_the_query_parameters_it_accepts() {
        for (documented, accepted) in [
            (
                param_names::<leads::list::ListParams>(),
                leads::list::PARAMS,
            ),
            (
                param_names::<customers::list::ListParams>(),
                customers::list::PARAMS,
            ),
            (
                param_names::<customers::export::ExportParams>(),
                customers::export::PARAMS,
            ),
            (
                param_names::<customers::timeline::TimelineParams>(),
                customers::timeline::PARAMS,
            ),
            (
                param_names::<messages::list::ListParams>(),
                messages::list::PARAMS,
            ),
            (
                param_names::<calls::list::ListParams>(),
                calls::list::PARAMS,
            ),
            (
                param_names::<tasks::list::ListParams>(),
                tasks::list::PARAMS,
            ),
        ] {
            assert_eq!(names_of(&documented), names(accepted));
        }
    }

    /// The status machine is the one rule the admin app keeps a copy of (to offer only the
    /// moves the API allows); its statuses come from the generated types, its moves are
    /// checked here against `LeadStatus::allowed_next`.
    #[test]
    fn the_admin_apps_transitions_are_the_domains() {
        use crm_shared::domain::lead::LeadStatus;
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../web/admin/src/model.ts");
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let table = text
            .split("export const TRANSITIONS")
            .nth(1)
            .and_then(|rest| rest.split("};").next())
            .unwrap_or("");
        let mut seen = 0;
        for line in table.lines().filter(|l| l.contains(": [")) {
            let (from, to) = line.split_once(':').unwrap_or_default();
            let from = LeadStatus::parse(from.trim());
            let to: Vec<Option<LeadStatus>> = to
                .split('\'')
                .skip(1)
                .step_by(2)
                .map(LeadStatus::parse)
                .collect();
            let want: Vec<Option<LeadStatus>> = from
                .map(|f| f.allowed_next().iter().map(|s| Some(*s)).collect())
                .unwrap_or_default();
            assert_eq!(to, want, "{line}");
            seen += 1;
        }
        assert_eq!(seen, LeadStatus::ALL.len(), "model.ts TRANSITIONS: {table}");
    }

    fn names_of(list: &[String]) -> BTreeSet<String> {
        list.iter().cloned().collect()
    }
}
