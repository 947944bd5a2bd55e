//! Middleware: request ids and the one log line per request, JSON errors under `/api`,
//! security headers, and the panic guard.

use std::{
    any::Any,
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use axum::{
    Json,
    body::Body,
    extract::{ConnectInfo, MatchedPath, Request, State},
    http::{HeaderName, HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use tracing::{Instrument, info, info_span, warn};

use super::{
    client_address::{ClientAddress, client_address},
    context::{self, RequestContext},
    error::{AppError, internal_error_body, status_error_body},
    extract::is_api_path,
};

pub static REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Gives every request an id (a caller's own `X-Request-Id` is kept when it is short and
/// plain) and its client address (`trusted_proxies` decide whether forwarding headers count),
/// echoes the id on the response, and writes one log line when the response is ready.
pub async fn observe(
    State(trusted_proxies): State<Arc<Vec<ipnet::IpNet>>>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let client_ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| client_address(peer.ip(), request.headers(), &trusted_proxies));
    if let Some(ip) = client_ip {
        request.extensions_mut().insert(ClientAddress(ip));
    }
    let request_id = request
        .headers()
        .get(&REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|value| is_plain_id(value))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let method = request.method().clone();
    let path = loggable_path(request.uri().path());
    let request_context = RequestContext::for_request(request_id.clone(), path.clone(), client_ip);
    let span = info_span!("request", request_id = %request_id, method = %method, path = %path);

    let mut response = context::scope(request_context.clone(), next.run(request))
        .instrument(span.clone())
        .await;

    let status = response.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let route = request_context
        .route()
        .unwrap_or_else(|| "<unmatched>".to_string());
    crate::telemetry::metrics::record_request(method.as_str(), &route, status, latency_ms / 1000.0);
    let user_id = request_context.user_id();
    // A 5xx is a warning, so that a flood of them during an outage is summarised (see
    // `telemetry::throttle`) rather than written line by line.
    macro_rules! request_line {
        ($level:ident) => {
            $level!(
                method = %method,
                route = %route,
                status,
                latency_ms = format_args!("{latency_ms:.2}"),
                user_id = user_id.as_deref(),
                client_ip = client_ip.map(tracing::field::display),
                "request"
            )
        };
    }
    span.in_scope(|| {
        if status >= 500 {
            request_line!(warn)
        } else {
            request_line!(info)
        }
    });
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response
            .headers_mut()
            .insert(REQUEST_ID_HEADER.clone(), value);
    }
    response
}

/// Answers 503 when the handler has not produced a response within `limit`; the handler is
/// dropped, which cancels its database work. This bounds the time to the response's head:
/// streamed bodies (live updates, CSV exports) begin at once and carry their own limits.
pub async fn time_limit(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(limit_secs = limit.as_secs(), "request timed out");
            AppError::TimedOut.into_response()
        }
    }
}

/// Records the matched route template for the log line (runs after routing).
pub async fn record_matched_route(request: Request, next: Next) -> Response {
    if let Some(matched) = request.extensions().get::<MatchedPath>() {
        context::record_route(matched.as_str());
    }
    next.run(request).await
}

/// Under `/api`, rewrites error responses that are not already JSON (405 from the router,
/// 413 from the body limit, ...) into the API's error format.
pub async fn json_errors_for_api(request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/") || request.uri().path() == "/api";
    let response = next.run(request).await;
    let status = response.status();
    if !is_api || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_TYPE);
    let rebuilt = (status, Json(status_error_body(status))).into_response();
    let (new_parts, body) = rebuilt.into_parts();
    parts.headers.extend(new_parts.headers);
    Response::from_parts(parts, body)
}

/// Outside `/api`, rewrites JSON error answers (rejections by extractors such as an expired
/// form or a failed session lookup) into the friendly HTML error page, details included.
pub async fn html_errors_for_pages(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    // Operations endpoints answer machines in JSON, like the API.
    let is_api =
        super::extract::is_api_path(path) || matches!(path, "/healthz" | "/readyz" | "/metrics");
    // A page's own script asking for JSON (the item page's saves) reads the JSON answer.
    let script = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let response = next.run(request).await;
    let status = response.status();
    if is_api || script || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    // A bare status from the router (405 has no body at all) gets the page too.
    let bare = content_type.is_none();
    let is_json = content_type.is_some_and(|v| v.starts_with("application/json"));
    if !is_json && !bare {
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    let parsed: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    let mut details: Vec<String> = Vec::new();
    if let Some(fields) = parsed["details"].as_object() {
        for (field, problems) in fields {
            for problem in problems
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| p.as_str())
            {
                details.push(format!("{field}: {problem}"));
            }
        }
    } else if let Some(sentence) = parsed["error"]
        .as_str()
        .filter(|_| !status.is_server_error())
    {
        details.push(sentence.to_string());
    }
    let mut page = super::pages::errors::status_page(status, details);
    for name in [header::ALLOW, header::RETRY_AFTER, header::SET_COOKIE] {
        for value in parts.headers.get_all(&name) {
            page.headers_mut().append(name.clone(), value.clone());
        }
    }
    page
}

/// The answer to a handler that panicked: a 500 with the request id, never the panic text —
/// JSON under `/api`, the friendly error page for pages.
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response<Body> {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = message, "handler panicked");
    let page = context::current_request_path().is_some_and(|path| !is_api_path(&path));
    if page {
        return super::pages::errors::panic_page();
    }
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(internal_error_body()),
    )
        .into_response()
}

/// The security headers every response carries (docs/PRODUCT.md §2).
pub fn security_headers(https: bool) -> Vec<(HeaderName, HeaderValue)> {
    let mut headers = vec![
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
            ),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    ];
    if https {
        headers.push((
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        ));
    }
    headers
}

/// The path as logged: a calendar feed's URL is its secret, so the token is left out.
fn loggable_path(path: &str) -> String {
    if path.starts_with("/calendar/") && path.ends_with(".ics") {
        "/calendar/<token>.ics".to_string()
    } else {
        path.to_string()
    }
}

/// A caller-supplied request id is kept only if it cannot break a log line.
fn is_plain_id(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::loggable_path;

    #[test]
    fn feed_tokens_never_reach_the_log() {
        assert_eq!(
            loggable_path("/calendar/ops_cal_secret123.ics"),
            "/calendar/<token>.ics"
        );
        assert_eq!(loggable_path("/calendar"), "/calendar");
        assert_eq!(loggable_path("/work/1"), "/work/1");
    }
}
