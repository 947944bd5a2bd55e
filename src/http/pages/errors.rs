//! Friendly error pages (403, 404, 500 and the rest) for people in a browser. API routes
//! answer JSON instead; these are only for page paths. A 500 never shows its cause: it
//! shows the request id, which is in the log line next to the cause.

use askama::Template;
use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};

use super::{Chrome, render, static_files};
use crate::{
    config::Settings,
    http::{context::current_request_id, error::AppError},
};

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    chrome: &'a Chrome,
    status: u16,
    title: &'a str,
    message: &'a str,
    details: Vec<String>,
    request_id: Option<String>,
}

/// The heading and the sentence people see for `status`.
fn wording(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => (
            "That request could not be used",
            "Something about it was not right.",
        ),
        401 => ("Please sign in", "You need to sign in to see this page."),
        403 => (
            "You can’t open this page",
            "It needs a permission you don’t have. If you think you should have it, ask an admin.",
        ),
        404 => (
            "Page not found",
            "There is nothing at this address. It may have moved, or what it showed may have been deleted.",
        ),
        405 => (
            "That kind of request does not work here",
            "This address can be opened, but not sent that way. Go back and use the page’s own buttons and forms.",
        ),
        409 => ("That clashed with something else", "Nothing was changed."),
        413 => ("That was too large", "Requests may be at most 1 MiB."),
        422 => (
            "Some fields need another look",
            "Nothing was saved. Go back, fix these and try again:",
        ),
        429 => ("Slow down a little", "Too many requests in a short time."),
        503 => (
            "Something we depend on is unavailable",
            "Try again in a moment.",
        ),
        _ => (
            "Something went wrong on our side",
            "The problem has been logged. Try again in a moment; if it keeps happening, tell your admin the request id below.",
        ),
    }
}

/// The specific sentences of `error` worth showing under the general one.
fn details_of(error: &AppError) -> Vec<String> {
    match error {
        AppError::Validation(fields) => fields
            .0
            .iter()
            .flat_map(|(field, problems)| {
                problems.iter().map(move |p| {
                    let label = super::field_words::label(field);
                    format!("{label}: {}", super::field_words::problem(field, p))
                })
            })
            .collect(),
        AppError::BadRequest(reason)
        | AppError::Conflict(reason)
        | AppError::UnsupportedMediaType(reason)
        | AppError::Unavailable(reason) => vec![reason.clone()],
        AppError::RateLimited { .. } => vec![error.to_string()],
        _ => Vec::new(),
    }
}

fn page(chrome: &Chrome, status: StatusCode, details: Vec<String>) -> ErrorPage<'_> {
    let (title, message) = wording(status);
    ErrorPage {
        chrome,
        status: status.as_u16(),
        title,
        message,
        details,
        request_id: status.is_server_error().then(current_request_id).flatten(),
    }
}

/// `error` as a friendly page in the frame `chrome`; an internal cause is logged, not shown.
pub fn error_page(settings: &Settings, chrome: &Chrome, error: AppError) -> Response {
    let status = error.status();
    error.log_cause();
    let mut response = render(
        settings,
        chrome,
        status,
        &page(chrome, status, details_of(&error)),
    );
    if let Some(seconds) = error.retry_after_secs() {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, seconds.into());
    }
    response
}

/// The 404 page for an address nothing answers.
pub fn not_found_page(settings: &Settings, chrome: &Chrome) -> Response {
    render(
        settings,
        chrome,
        StatusCode::NOT_FOUND,
        &page(chrome, StatusCode::NOT_FOUND, Vec::new()),
    )
}

/// The 500 page after a panic: built without the application state (the panic guard has
/// none), so without the signed-in frame. Falls back to plain text if even this fails.
pub fn panic_page() -> Response {
    status_page(StatusCode::INTERNAL_SERVER_ERROR, Vec::new())
}

/// A page for a bare status with optional detail sentences, outside the signed-in frame
/// (errors raised before a handler ran, such as an expired form).
pub fn status_page(status: StatusCode, details: Vec<String>) -> Response {
    let chrome = Chrome {
        user: None,
        flash: None,
        unread: 0,
        waiting: 0,
        section: "",
        css_url: static_files::css_url(),
        js_url: static_files::js_url(),
        palette_js_url: static_files::palette_js_url(),
    };
    match page(&chrome, status, details).render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => {
            let id = current_request_id().unwrap_or_default();
            let mut response =
                (status, format!("Internal error. Request id: {id}")).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            response
        }
    }
}
