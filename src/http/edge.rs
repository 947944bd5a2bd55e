//! Guards at the edge, in front of every handler: control characters are refused before any
//! handler or database sees them, signed-in answers are never cached, and refusals (403) leave
//! an audit entry.

use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderValue, StatusCode, Uri, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde_json::Value;

use super::{MAX_BODY_BYTES, context, error::AppError};
use crate::{
    app::App,
    services::audit::{self, Actor},
    telemetry::metrics::{self, WebhookRejection},
};

/// Marks a response that refuses access without a 403 status (an admin page sends staff home
/// with a message), so it is audited like a 403.
#[derive(Debug, Clone, Copy)]
pub struct AccessDenied;

/// True for characters no field of ours may hold: control characters other than tab and line
/// breaks (NUL above all, which PostgreSQL cannot store in text).
pub fn is_forbidden_char(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// Refuses a request whose path, query string, form fields or JSON strings hold a forbidden
/// character: 400 with the place named (JSON under `/api`, the error page elsewhere).
pub async fn reject_control_characters(request: Request, next: Next) -> Response {
    if let Some(place) = uri_problem(request.uri()) {
        return refusal(&place);
    }
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let form = content_type.starts_with("application/x-www-form-urlencoded");
    // A webhook is read as JSON whatever its Content-Type says, so it is checked as JSON too.
    let json = content_type.starts_with("application/json")
        || content_type.contains("+json")
        || request.uri().path().starts_with("/api/webhooks/");
    if !form && !json {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return AppError::PayloadTooLarge.into_response();
    };
    let problem = if form {
        form_problem(&bytes)
    } else {
        // Malformed JSON is left to the handler, which explains what is wrong with it.
        serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|value| json_problem(&value, "the JSON body"))
    };
    if let Some(place) = problem {
        return refusal(&place);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// The same check for a handler that reads a raw body whatever its label (the webhook route):
/// a JSON body with a forbidden character is refused as the edge refuses a labelled one.
pub fn refuse_raw_json(bytes: &[u8]) -> Option<Response> {
    serde_json::from_slice::<Value>(bytes)
        .ok()
        .and_then(|value| json_problem(&value, "the JSON body"))
        .map(|place| refusal(&place))
}

fn refusal(place: &str) -> Response {
    AppError::BadRequest(format!(
        "{place} contains a control character (such as NUL), which is not allowed"
    ))
    .into_response()
}

fn uri_problem(uri: &Uri) -> Option<String> {
    if has_encoded_control(uri.path()) {
        return Some("the address".to_string());
    }
    let query = uri.query()?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(name, value)| name.chars().chain(value.chars()).any(is_forbidden_char))
        .map(|(name, _)| format!("the query parameter {}", field_label(&name)))
}

/// `%00`–`%1F` and `%7F` in a path (tab and line breaks have no place in a path either).
fn has_encoded_control(path: &str) -> bool {
    path.as_bytes().windows(3).any(|w| {
        w[0] == b'%'
            && std::str::from_utf8(&w[1..])
                .ok()
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                .is_some_and(|byte| byte < 0x20 || byte == 0x7f)
    })
}

fn form_problem(bytes: &[u8]) -> Option<String> {
    url::form_urlencoded::parse(bytes)
        .find(|(name, value)| name.chars().chain(value.chars()).any(is_forbidden_char))
        .map(|(name, _)| format!("the field {}", field_label(&name)))
}

fn json_problem(value: &Value, place: &str) -> Option<String> {
    match value {
        Value::String(text) if text.chars().any(is_forbidden_char) => Some(place.to_string()),
        Value::Array(items) => items.iter().find_map(|item| json_problem(item, place)),
        Value::Object(fields) => fields.iter().find_map(|(name, item)| {
            if name.chars().any(is_forbidden_char) {
                return Some(place.to_string());
            }
            json_problem(item, &format!("the field {}", field_label(name)))
        }),
        _ => None,
    }
}

/// A field's name as shown in the message: only when it is short and plain.
fn field_label(name: &str) -> String {
    let plain = !name.is_empty()
        && name.len() <= 40
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if plain {
        format!("`{name}`")
    } else {
        "(unnamed)".to_string()
    }
}

/// What the webhook handler decided about a webhook: `Some(reason)` when it refused it, `None`
/// when it took it (or failed on its own side, which is no refusal).
#[derive(Debug, Clone, Copy)]
pub struct WebhookVerdict(pub Option<WebhookRejection>);

/// Counts every webhook turned away, wherever it was turned away: the handler names its
/// reason on the response ([`WebhookVerdict`]); a refusal in front of it (a body over the size
/// limit, a control character in the JSON) never reaches the handler and is named here from
/// its status. Sits outside the body limit so it sees that limit's refusals too.
pub async fn count_refused_webhooks(request: Request, next: Next) -> Response {
    let webhook = request.uri().path().starts_with("/api/webhooks/");
    let response = next.run(request).await;
    if !webhook {
        return response;
    }
    let reason = match response.extensions().get::<WebhookVerdict>() {
        Some(WebhookVerdict(reason)) => *reason,
        None => match response.status() {
            StatusCode::PAYLOAD_TOO_LARGE => Some(WebhookRejection::TooLarge),
            StatusCode::BAD_REQUEST | StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                Some(WebhookRejection::Malformed)
            }
            _ => None,
        },
    };
    if let Some(reason) = reason {
        metrics::record_webhook_rejected(reason);
    }
    response
}

/// `Cache-Control: no-store` on every answer to a signed-in person, and on every answer that
/// sets a cookie: nothing personal stays in a browser's or proxy's cache (a new API token is
/// shown exactly once, for example).
pub async fn no_store_when_signed_in(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let signed_in = context::current_user_id().is_some();
    if signed_in || response.headers().contains_key(header::SET_COOKIE) {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Audits refusals (403, and [`AccessDenied`] redirects): at most one entry per person (or
/// address, when nobody is signed in) per minute, so a flood of refused requests cannot fill
/// the audit log.
pub async fn audit_refusals(State(app): State<App>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let response = next.run(request).await;
    let denied = response.status() == StatusCode::FORBIDDEN
        || response.extensions().get::<AccessDenied>().is_some();
    if denied {
        let actor = Actor {
            user_id: context::current_user_id().and_then(|id| id.parse().ok()),
            ip: context::current_client_ip().map(|ip| ip.to_string()),
            request_id: context::current_request_id(),
        };
        let route = context::current_route().unwrap_or_else(|| "<unmatched>".to_string());
        let what = format!("{method} {route}");
        if let Err(error) = audit::record_refusal(&app.db, &actor, &what).await {
            tracing::warn!(error = format!("{error:#}"), "auditing a refusal failed");
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_found_where_they_hide() {
        assert!(is_forbidden_char('\0') && is_forbidden_char('\u{7f}'));
        assert!(!is_forbidden_char('\n') && !is_forbidden_char('\t'));
        assert!(has_encoded_control("/work/%00"));
        assert!(!has_encoded_control("/work/%20x"));
        assert_eq!(
            form_problem(b"email=a%00b&next=%2F").as_deref(),
            Some("the field `email`")
        );
        assert_eq!(form_problem(b"title=line%0Aone"), None);
        let nested: Value =
            serde_json::from_str(r#"{"items":[{"label":"ok"},{"label":"a\u0000b"}]}"#).unwrap();
        assert_eq!(
            json_problem(&nested, "the JSON body").as_deref(),
            Some("the field `label`")
        );
        let uri: Uri = "/api/work-items?q=%00".parse().unwrap();
        assert_eq!(
            uri_problem(&uri).as_deref(),
            Some("the query parameter `q`")
        );
    }
}
