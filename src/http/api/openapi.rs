//! The OpenAPI 3.1 document of the API, generated from the handlers' annotations and served
//! at `/api/openapi.json`. Every handler under `/api` carries `#[utoipa::path]` and is listed
//! here; a test checks that every API route of the router appears in the document.

use axum::{Json, response::IntoResponse};
use utoipa::OpenApi;

use super::work_items;

#[derive(OpenApi)]
#[openapi(
    info(title = "OPS Desktop API", description = "Work items, people and the events pipeline of OPS Desktop. Success: `{\"data\": ...}`; failure: `{\"error\": \"...\", \"details\": {...}}`."),
    paths(
        // work items
        work_items::create_work_item,
        work_items::get_work_item,
        work_items::patch_work_item,
        work_items::delete_work_item,
        work_items::get_work_item_history,
        work_items::get_work_item_qc,
        work_items::patch_work_item_qc,
        // (more areas append their paths here, one block per area)
    ),
    components(schemas(
        crate::services::work_items::WorkItemView,
        crate::services::work_items::input::NewWorkItem,
        crate::services::work_items::input::WorkItemChanges,
        crate::services::work_items::qc::QcView,
        crate::services::work_items::qc::QcChanges,
        crate::domain::work_item_rules::ChecklistItem,
        super::audit_view::AuditView,
    ))
)]
pub struct ApiDoc;

/// `GET /api/openapi.json`
pub async fn get_openapi() -> impl IntoResponse {
    Json(ApiDoc::openapi())
}
