//! The two success shapes of the API (docs/PRODUCT.md §1): `{"data": ...}` for one thing and
//! `{"data": [...], "nextCursor": ...}` for a list.

use axum::Json;
use serde::Serialize;
use serde_json::{Value, json};

/// `{"data": value}`
pub fn data(value: impl Serialize) -> Json<Value> {
    Json(json!({ "data": value }))
}

/// `{"data": items, "nextCursor": next}` (`null` on the last page).
pub fn list(items: impl Serialize, next: Option<String>) -> Json<Value> {
    Json(json!({ "data": items, "nextCursor": next }))
}
