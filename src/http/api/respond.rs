//! The shapes the API sends (docs/PRODUCT.md §1), as types: [`Data`] (`{"data": ...}`) for one thing,
//! [`Page`] (`{"data": [...], "nextCursor": ...}`) for a list, and [`ErrorBody`] for a
//! failure. The handlers return these types and the OpenAPI document is derived from the same
//! types, so the document cannot drift from the wire.

use axum::{
    Json,
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;

/// `{"data": value}`
#[derive(Debug, Serialize, ToSchema)]
pub struct Data<T> {
    pub data: T,
}

/// `{"data": items, "nextCursor": next}`: pass `nextCursor` back as `cursor` for the next
/// page; `null` on the last page (and on lists that are never paged).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub data: Vec<T>,
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// The body of every failure: a sentence for people, per-field problems on a 422, and on a
/// 500 the request id to quote to an operator.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    pub error: String,
    /// Field name → its problems (422 only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub details: Option<std::collections::BTreeMap<String, Vec<String>>>,
    /// The request's id (500 only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub request_id: Option<String>,
}

impl ErrorBody {
    /// A failure with only its sentence.
    pub fn new(error: impl Into<String>) -> ErrorBody {
        ErrorBody {
            error: error.into(),
            details: None,
            request_id: None,
        }
    }
}

impl<T: Serialize> IntoResponse for Data<T> {
    fn into_response(self) -> Response {
        Json(self).into_response()
    }
}

impl<T: Serialize> IntoResponse for Page<T> {
    fn into_response(self) -> Response {
        Json(self).into_response()
    }
}

/// `{"data": value}`
pub fn data<T>(value: T) -> Data<T> {
    Data { data: value }
}

/// `{"data": items, "nextCursor": next}` (`None` on the last page).
pub fn list<T>(items: Vec<T>, next: Option<String>) -> Page<T> {
    Page {
        data: items,
        next_cursor: next,
    }
}
