//! The OpenAPI 3.1 document of the API, served at `/api/openapi.json`. Its operations come from
//! the route table: each API route is declared once, with its handler's `#[utoipa::path]`
//! (`Routes::api`), so a route cannot be served without being described. The failures common
//! to many operations are added by [`super::openapi_errors`], the links by
//! [`super::openapi_links`].

use axum::{Json, response::IntoResponse};
use utoipa::{Modify, OpenApi};

use super::{openapi_errors::ErrorResponses, openapi_links::CreatedLinks};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "OPS Desktop API",
        description = "Work items, people and the events pipeline of OPS Desktop. Success: `{\"data\": ...}`; failure: `{\"error\": \"...\", \"details\": {...}}`."
    ),
    components(schemas(
        super::respond::ErrorBody,
        crate::services::events::EventView,
        crate::services::events::EventSummary,
        crate::services::events::list::QueueView,
        crate::services::events::list::EventQueues,
        crate::services::events::intake::NewEvent,
        crate::services::events::triage::ConvertInput,
        crate::services::events::outbound::GhlActionInput,
        crate::services::events::rules::RuleView,
        crate::services::events::rules::RuleInput,
        crate::services::work_items::WorkItemView,
        crate::services::palette::PaletteResults,
        crate::services::palette::PaletteItem,
        crate::services::palette::PalettePerson,
        crate::services::work_items::input::NewWorkItem,
        crate::services::work_items::input::WorkItemChanges,
        crate::services::work_items::qc::QcView,
        crate::services::work_items::qc::QcChanges,
        crate::domain::work_item_rules::ChecklistItem,
        super::audit_view::AuditView,
        crate::services::calendar::CalendarView,
        crate::services::calendar::CalendarDay,
        crate::services::stats::Stats,
        crate::services::stats::OwnerCount,
        crate::services::stats::WaitingStats,
        crate::services::stats::WeekCount,
        crate::services::templates::TemplateView,
        crate::services::templates::TemplateSubtaskView,
        crate::services::templates::TemplateInput,
        crate::services::templates::TemplateSubtaskInput,
        crate::services::subtasks::SubtaskView,
        crate::services::subtasks::NewSubtask,
        crate::services::subtasks::SubtaskChanges,
        crate::services::comments::CommentView,
        crate::services::comments::CommentBody,
        crate::services::messages::MessageView,
        crate::services::messages::NewMessage,
        crate::services::inbox::Inbox,
        crate::services::inbox::WaitingItem,
        crate::services::inbox::MarkRead,
        crate::services::notifications::NotificationView,
        crate::services::cadences::CadenceView,
        crate::services::cadences::CadenceInput,
        crate::services::cadences::PreviewView,
        crate::services::cadences::OccurrenceView,
        crate::services::calendar_feeds::FeedView,
        crate::services::calendar_feeds::CreatedFeedView,
        crate::services::calendar_feeds::NewFeed,
    ))
)]
pub struct ApiDoc;

/// The whole document: the title and shared schemas above, every API route's operation and
/// the schemas it names, then the common failures and the links.
pub fn document() -> utoipa::openapi::OpenApi {
    let operations = crate::http::router::api_operations();
    let mut document = ApiDoc::openapi();
    document.paths = operations.paths;
    let components = document.components.get_or_insert_with(Default::default);
    for (name, schema) in operations.schemas {
        components.schemas.entry(name).or_insert(schema);
    }
    ErrorResponses.modify(&mut document);
    CreatedLinks.modify(&mut document);
    document
}

/// `GET /api/openapi.json`
pub async fn get_openapi(_user: crate::http::extract::CurrentUser) -> impl IntoResponse {
    let mut document = serde_json::to_value(document()).unwrap_or_default();
    super::openapi_links::spell_links(&mut document);
    super::openapi_text::declare_text(&mut document);
    Json(document)
}
