//! Query strings: read as raw pairs (repeated names kept, so `tag=a&tag=b` works), and the
//! 422 for views that take no parameters.

use crate::{domain::FieldErrors, http::error::AppError};

/// The `(name, value)` pairs of a query string, in order and with repeats, so the services
/// can name every unknown, repeated or bad parameter in a 422 (axum's `Query` would answer
/// 400 without saying which).
pub fn query_pairs(raw: Option<String>) -> Result<Vec<(String, String)>, AppError> {
    serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
        .map_err(|_| AppError::BadRequest("the query string could not be read".into()))
}

/// A 422 naming each parameter, for views that take none.
pub fn no_parameters(pairs: &[(String, String)]) -> Result<(), AppError> {
    let mut errors = FieldErrors::default();
    for (name, _) in pairs {
        errors.add(name, format!("unknown parameter `{name}`"));
    }
    errors.into_result().map_err(AppError::Validation)
}
