//! `AppError`: the one error type of the HTTP layer, turned into the error format of
//! docs/PRODUCT.md §1: `{"error": "...", "details": {...}}`. Internal causes are logged with the
//! request id and never sent.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;

use super::context::current_request_id;
pub use crate::domain::FieldErrors;
use crate::services::ServiceError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    #[error("sign in required")]
    Unauthorized,
    #[error("you are not allowed to do that")]
    Forbidden,
    #[error("{0}")]
    NotAllowed(String),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("request body is larger than 1 MiB")]
    PayloadTooLarge,
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("some fields are invalid")]
    Validation(FieldErrors),
    #[error("too many requests; try again in {retry_after_secs} seconds")]
    RateLimited { retry_after_secs: u64 },
    #[error("{0}")]
    Unavailable(String),
    /// The database cannot be reached or is overloaded; the cause is logged, not sent.
    #[error("the database is unavailable; try again in a moment")]
    DatabaseUnavailable(anyhow::Error),
    /// The request was not answered within `REQUEST_TIMEOUT_SECS`.
    #[error("the request took too long; try again in a moment")]
    TimedOut,
    #[error("internal error")]
    Internal(anyhow::Error),
}

/// What a 503 tells the client to wait before trying again, in seconds.
pub const RETRY_AFTER_UNAVAILABLE_SECS: u32 = 5;

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::NotAllowed(_) => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) | AppError::DatabaseUnavailable(_) | AppError::TimedOut => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// How long the client should wait before trying again, for the answers that have one.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            AppError::RateLimited { retry_after_secs } => Some((*retry_after_secs).max(1)),
            AppError::Unavailable(_) | AppError::DatabaseUnavailable(_) | AppError::TimedOut => {
                Some(u64::from(RETRY_AFTER_UNAVAILABLE_SECS))
            }
            _ => None,
        }
    }

    /// Logs the cause an answer hides. An outage is a warning without a backtrace (it says
    /// nothing about our code, and thousands of them must not flood the log); an internal
    /// error is a bug, logged with everything it carries.
    pub fn log_cause(&self) {
        match self {
            AppError::DatabaseUnavailable(cause) => {
                tracing::warn!(error = %format!("{cause:#}"), "database unavailable");
            }
            AppError::Internal(cause) => tracing::error!(error = ?cause, "internal error"),
            _ => {}
        }
    }
}

impl From<anyhow::Error> for AppError {
    fn from(error: anyhow::Error) -> Self {
        if crate::db::outage::chain_is_unavailable(&error) {
            AppError::DatabaseUnavailable(error)
        } else {
            AppError::Internal(error)
        }
    }
}

impl From<FieldErrors> for AppError {
    fn from(errors: FieldErrors) -> Self {
        AppError::Validation(errors)
    }
}

impl From<ServiceError> for AppError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::Invalid(fields) => AppError::Validation(fields),
            ServiceError::NotFound => AppError::NotFound,
            ServiceError::Forbidden => AppError::Forbidden,
            ServiceError::NotAllowed(reason) => AppError::NotAllowed(reason),
            ServiceError::Conflict(reason) => AppError::Conflict(reason),
            ServiceError::Unavailable(cause) => AppError::DatabaseUnavailable(cause),
            ServiceError::RateLimited { retry_after_secs } => {
                AppError::RateLimited { retry_after_secs }
            }
            ServiceError::Internal(cause) => AppError::from(cause),
        }
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(error: sea_orm::DbErr) -> Self {
        AppError::from(anyhow::Error::from(error))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        self.log_cause();
        let body = match &self {
            AppError::Internal(_) => internal_error_body(),
            AppError::Validation(fields) => json!({"error": self.to_string(), "details": fields.0}),
            _ => json!({"error": self.to_string()}),
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after_secs() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// The body of every 500: a fixed sentence and the request id to quote to an operator.
pub fn internal_error_body() -> serde_json::Value {
    json!({"error": "internal error", "requestId": current_request_id()})
}

/// A JSON error body for a bare status produced outside our handlers (405, 413, ...).
pub fn status_error_body(status: StatusCode) -> serde_json::Value {
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        return internal_error_body();
    }
    let sentence = match status {
        StatusCode::NOT_FOUND => "not found".to_string(),
        StatusCode::METHOD_NOT_ALLOWED => "method not allowed on this path".to_string(),
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge.to_string(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported content type".to_string(),
        other => other
            .canonical_reason()
            .unwrap_or("request failed")
            .to_lowercase(),
    };
    json!({"error": sentence})
}
