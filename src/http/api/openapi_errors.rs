//! The failures every operation can meet, added to the OpenAPI document from what the
//! operation is (its access in the route table, its parameters, whether it takes a body), so
//! that each handler's annotation lists only what is particular to it and no operation can
//! forget a status the server sends. Every failure carries the one error body.

use utoipa::{
    Modify,
    openapi::{
        Components, ContentBuilder, HeaderBuilder, ObjectBuilder, OpenApi, RefOr, ResponseBuilder,
        Type,
        path::{Operation, ParameterIn},
        schema::{Schema, SchemaType},
        security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme},
    },
};

use crate::http::{
    router::route_table,
    routes::{Access, RouteInfo},
};

/// The security scheme's name in the document.
const API_TOKEN: &str = "apiToken";

/// Adds the standard failures, the error body on every failure, and the API token scheme.
pub struct ErrorResponses;

impl Modify for ErrorResponses {
    fn modify(&self, doc: &mut OpenApi) {
        let components = doc.components.get_or_insert_with(Components::new);
        components.add_security_scheme(
            API_TOKEN,
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        let routes = route_table();
        for (path, item) in doc.paths.paths.iter_mut() {
            let operations = [
                ("GET", &mut item.get),
                ("POST", &mut item.post),
                ("PATCH", &mut item.patch),
                ("DELETE", &mut item.delete),
                ("PUT", &mut item.put),
            ];
            for (method, operation) in operations {
                let Some(operation) = operation.as_mut() else {
                    continue;
                };
                let access = routes
                    .iter()
                    .find(|r: &&RouteInfo| r.path == *path && r.method.as_str() == method)
                    .map(|r| r.access);
                describe_failures(operation, method, access);
            }
        }
    }
}

/// Which failures an operation can answer, and why.
fn failures(operation: &Operation, method: &str, access: Option<Access>) -> Vec<u16> {
    let signed_in = matches!(access, Some(Access::SignedIn | Access::Admin));
    let has_body = operation.request_body.is_some();
    let params = operation.parameters.as_deref().unwrap_or_default();
    let has_query = params
        .iter()
        .any(|p| matches!(p.parameter_in, ParameterIn::Query));
    let has_path = params
        .iter()
        .any(|p| matches!(p.parameter_in, ParameterIn::Path));
    let mut statuses = vec![503];
    if signed_in {
        // Every signed-in request can fail to sign in and is rate limited per person.
        statuses.extend([401, 429]);
        // Admin routes refuse staff; a write with a session cookie must come from our origin.
        if access == Some(Access::Admin) || method != "GET" {
            statuses.push(403);
        }
    }
    if has_body {
        // Malformed JSON, too large, not JSON, or the wrong shape.
        statuses.extend([400, 413, 415, 422]);
    }
    if has_query {
        // An unreadable query string, or a bad, unknown or repeated parameter.
        statuses.extend([400, 422]);
    }
    if has_path {
        // An id that names nothing, or one that is not an id at all.
        statuses.extend([400, 404]);
    }
    statuses.sort_unstable();
    statuses.dedup();
    statuses
}

/// A query or header parameter is text or absent, never JSON `null`: an optional one is
/// declared "not required", not nullable.
fn never_null(operation: &mut Operation) {
    for parameter in operation.parameters.iter_mut().flatten() {
        let Some(RefOr::T(Schema::Object(object))) = parameter.schema.as_mut() else {
            continue;
        };
        if let SchemaType::Array(types) = &object.schema_type {
            let kept: Vec<Type> = types
                .iter()
                .filter(|t| **t != Type::Null)
                .cloned()
                .collect();
            if let [only] = kept.as_slice() {
                object.schema_type = SchemaType::Type(only.clone());
            }
        }
    }
}

fn describe_failures(operation: &mut Operation, method: &str, access: Option<Access>) {
    never_null(operation);
    if matches!(access, Some(Access::SignedIn | Access::Admin)) {
        operation.security = Some(vec![SecurityRequirement::new(
            API_TOKEN,
            Vec::<String>::new(),
        )]);
    }
    for status in failures(operation, method, access) {
        operation
            .responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| {
                RefOr::T(ResponseBuilder::new().description(reason(status)).build())
            });
    }
    // Every failure, listed here or by the handler, carries the error body.
    for (status, response) in operation.responses.responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        if !status.starts_with('4') && !status.starts_with('5') {
            continue;
        }
        if response.content.is_empty() {
            response.content.insert(
                "application/json".to_string(),
                ContentBuilder::new()
                    .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                        "ErrorBody",
                    ))))
                    .build(),
            );
        }
        if status == "429" {
            let seconds = ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1));
            response.headers.insert(
                "Retry-After".to_string(),
                HeaderBuilder::new()
                    .schema(seconds)
                    .description(Some("Seconds to wait before trying again"))
                    .build(),
            );
        }
    }
}

/// The standard description of a failure.
fn reason(status: u16) -> &'static str {
    match status {
        400 => {
            "Malformed request: the body is not JSON, the query string cannot be read, or an id in the path is not an id"
        }
        401 => "Sign in required: no valid API token or session",
        403 => {
            "Not allowed: admins only, a cookie-authenticated write from another origin, or a \
             sensitive action (a new token or feed, a change of someone's authority) by an API \
             token or by a session that did not sign in within the last 10 minutes"
        }
        404 => "Unknown: nothing has this id",
        413 => "The body is larger than 1 MiB",
        415 => "Send JSON with Content-Type: application/json",
        422 => "Invalid fields or parameters; `details` names each problem",
        429 => "Too many requests; see Retry-After",
        503 => "A service the server depends on is unavailable; try again later",
        _ => "Failed",
    }
}
