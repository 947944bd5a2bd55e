//! The use cases. Handlers and commands call these; these call the database.

use crate::domain::FieldErrors;

pub mod audit;
pub mod audit_query;
pub mod backups;
pub mod bench;
pub mod board;
pub mod cadences;
pub mod calendar;
pub mod calendar_feeds;
pub mod comments;
pub mod demo;
pub mod email_notifications;
pub mod events;
pub mod ics;
pub mod inbox;
pub mod jobs_overview;
pub mod live;
pub mod messages;
pub mod notifications;
pub mod palette;
pub mod people;
pub mod rate_limits;
pub mod reauth;
pub mod signin;
pub mod stats;
pub mod subtasks;
pub mod templates;
pub mod time_zones;
pub mod users;
pub mod work_items;

/// What a use case can refuse or fail with; the HTTP layer maps each to a status code.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("some fields are invalid")]
    Invalid(FieldErrors),
    #[error("not found")]
    NotFound,
    #[error("not allowed")]
    Forbidden,
    /// Not allowed, with the reason in a person's words.
    #[error("{0}")]
    NotAllowed(String),
    #[error("{0}")]
    Conflict(String),
    /// The database cannot be reached or is overloaded: try again later (not a bug).
    #[error("the database is unavailable: {0:#}")]
    Unavailable(anyhow::Error),
    #[error("too many attempts; try again in {retry_after_secs} seconds")]
    RateLimited { retry_after_secs: u64 },
    #[error(transparent)]
    Internal(anyhow::Error),
}

impl From<sea_orm::DbErr> for ServiceError {
    fn from(error: sea_orm::DbErr) -> Self {
        if crate::db::outage::is_unavailable(&error) {
            ServiceError::Unavailable(error.into())
        } else {
            ServiceError::Internal(error.into())
        }
    }
}

impl From<anyhow::Error> for ServiceError {
    fn from(error: anyhow::Error) -> Self {
        if crate::db::outage::chain_is_unavailable(&error) {
            ServiceError::Unavailable(error)
        } else {
            ServiceError::Internal(error)
        }
    }
}

impl From<FieldErrors> for ServiceError {
    fn from(errors: FieldErrors) -> Self {
        ServiceError::Invalid(errors)
    }
}

impl ServiceError {
    /// A refusal about one field.
    pub fn invalid(field: &str, problem: impl Into<String>) -> ServiceError {
        let mut errors = FieldErrors::default();
        errors.add(field, problem);
        ServiceError::Invalid(errors)
    }
}
