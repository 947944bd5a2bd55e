//! The OpenAPI 3.1 document of the API, generated from the handlers' annotations and served
//! at `/api/openapi.json`. Every handler under `/api` carries `#[utoipa::path]` and is listed
//! here; a test checks that every API route of the router appears in the document. The
//! failures common to many operations are added by [`super::openapi_errors`].

use axum::{Json, response::IntoResponse};
use utoipa::OpenApi;

use super::{me, openapi_errors::ErrorResponses, openapi_links::CreatedLinks, users, work_items};

#[derive(OpenApi)]
#[openapi(
    info(title = "OPS Desktop API", description = "Work items, people and the events pipeline of OPS Desktop. Success: `{\"data\": ...}`; failure: `{\"error\": \"...\", \"details\": {...}}`."),
    paths(
        // live updates
        super::stream::get_stream,
        // me and people
        me::get_me, me::list_tokens, me::create_token, me::delete_token,
        me::list_sessions, me::delete_session, me::revoke_all_sessions,
        users::list_users, users::create_user, users::patch_user, users::revoke_user_sessions,
        // work items
        work_items::list_work_items,
        work_items::export_work_items_csv,
        work_items::create_work_item,
        work_items::get_work_item,
        work_items::patch_work_item,
        work_items::delete_work_item,
        work_items::get_work_item_history,
        work_items::get_work_item_qc,
        work_items::patch_work_item_qc,
        // subtasks, comments, messages, notifications, inbox
        super::subtasks::list_subtasks,
        super::subtasks::create_subtask,
        super::subtasks::patch_subtask,
        super::subtasks::delete_subtask,
        super::comments::list_comments,
        super::comments::create_comment,
        super::comments::patch_comment,
        super::comments::delete_comment,
        super::messages::list_messages,
        super::messages::create_message,
        super::inbox::get_inbox,
        super::inbox::list_notifications,
        super::inbox::mark_notifications_read,
        // calendar, stats, audit, templates
        super::calendar::get_calendar,
        super::stats::get_stats,
        super::audit::list_audit,
        super::templates::list_templates,
        super::templates::get_template,
        super::templates::create_template,
        super::templates::patch_template,
        super::templates::delete_template,
        // cadences, calendar feeds
        super::cadences::list_cadences,
        super::cadences::get_cadence,
        super::cadences::create_cadence,
        super::cadences::patch_cadence,
        super::cadences::delete_cadence,
        super::cadences::preview_cadence,
        super::calendar_feeds::list_calendar_feeds,
        super::calendar_feeds::create_calendar_feed,
        super::calendar_feeds::delete_calendar_feed,
        // events and HighLevel
        super::webhooks::receive_ghl_webhook,
        super::events::list_events,
        super::events::get_event,
        super::events::create_event,
        super::events::convert_event,
        super::events::dismiss_event,
        super::events::retry_event,
        super::events::queue_ghl_event,
        super::integration_rules::list_integration_rules,
        super::integration_rules::create_integration_rule,
        super::integration_rules::patch_integration_rule,
        super::integration_rules::delete_integration_rule,
        // (more areas append their paths here, one block per area)
    ),
    modifiers(&ErrorResponses, &CreatedLinks),
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

/// `GET /api/openapi.json`
pub async fn get_openapi(_user: crate::http::extract::CurrentUser) -> impl IntoResponse {
    let mut document = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    super::openapi_links::spell_links(&mut document);
    super::openapi_text::declare_text(&mut document);
    Json(document)
}
