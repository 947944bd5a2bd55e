//! `IdPath`: the `{id}` of a route as a UUID, where anything that is not one is simply an
//! unknown resource (404), not a malformed request.

use axum::{
    extract::{FromRequestParts, Path},
    http::request::Parts,
};
use uuid::Uuid;

use crate::http::error::AppError;

/// The `{id}` path parameter; an id that cannot exist answers 404.
#[derive(Debug, Clone, Copy)]
pub struct IdPath(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        Uuid::parse_str(&raw)
            .map(IdPath)
            .map_err(|_| AppError::NotFound)
    }
}
