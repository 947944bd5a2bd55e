//! `IdPath`: the `{id}` of a route as a UUID, where anything that is not one is simply an
//! unknown resource (404), not a malformed request. `ItemPath`: a work item's `{id}`, which may
//! also be its key (`OPS-12`), answered the same way.

use axum::{
    extract::{FromRequestParts, Path},
    http::request::Parts,
};
use uuid::Uuid;

use crate::{
    app::App,
    domain::{ids::WorkItemId, item_key::ItemRef},
    http::error::AppError,
    services::work_items,
};

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

/// A work item's `{id}` path parameter: its UUID or its key. Anything else, and a key no item
/// has, answers 404 like an unknown id. Put it after the signed-in check in a handler's
/// arguments, so that strangers learn nothing about which keys exist.
#[derive(Debug, Clone, Copy)]
pub struct ItemPath(pub WorkItemId);

impl FromRequestParts<App> for ItemPath {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, app)
            .await
            .map_err(|_| AppError::NotFound)?;
        let named = ItemRef::parse(&raw).ok_or(AppError::NotFound)?;
        Ok(ItemPath(work_items::resolve(&app.db, named).await?))
    }
}
