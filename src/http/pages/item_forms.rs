//! The item page's forms: each posts, calls one service, and redirects back with a message.
//! Browser form values (local times, blank selects, space-separated tags) are turned into
//! the same requests the API takes, so the rules are the API's rules.

use std::collections::HashMap;

use axum::{extract::State, http::HeaderMap, response::Response};
use chrono::{NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use serde::Deserialize;
use uuid::Uuid;

use super::{Chrome, error_page, redirect_with_flash};
use crate::{
    app::App,
    domain::{ids::WorkItemId, work_item_rules::ChecklistItem},
    http::{
        api::path_id::IdPath,
        extract::{CsrfForm, RequireAdmin},
    },
    services::{
        ServiceError, comments, messages,
        signin::ClientInfo,
        subtasks,
        work_items::{self, input::WorkItemChanges, qc::QcChanges},
    },
};

/// A `datetime-local` value read in the organisation's zone, as RFC 3339; blank is `None`.
pub fn local_time(raw: Option<&str>, tz: Tz) -> Option<String> {
    let raw = raw?.trim();
    if raw.is_empty() {
        return None;
    }
    let naive = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"));
    match naive {
        Ok(naive) => tz
            .from_local_datetime(&naive)
            .earliest()
            .map(|t| t.to_rfc3339()),
        // Let the service say what is wrong with it.
        Err(_) => Some(raw.to_string()),
    }
}

fn blank_is_none(raw: Option<String>) -> Option<Option<String>> {
    raw.map(|v| Some(v.trim().to_string()).filter(|v| !v.is_empty()))
}

fn back(app: &App, item: Uuid, anchor: &str, message: &str) -> Response {
    redirect_with_flash(&app.settings, &format!("/work/{item}{anchor}"), message)
}

/// Errors on the item page: a rule or validation problem goes back as the flash message.
fn refused(
    app: &App,
    headers: &HeaderMap,
    user: &crate::http::extract::CurrentUser,
    item: Uuid,
    error: ServiceError,
) -> Response {
    match error {
        ServiceError::Conflict(reason) => back(app, item, "", &format!("Not saved: {reason}")),
        ServiceError::Invalid(fields) => {
            let text = fields
                .0
                .iter()
                .map(|(f, p)| format!("{f}: {}", p.join("; ")))
                .collect::<Vec<_>>()
                .join(". ");
            back(app, item, "", &format!("Not saved: {text}"))
        }
        ServiceError::Forbidden => {
            back(app, item, "", "Not saved: you are not allowed to do that.")
        }
        other => error_page(
            &app.settings,
            &Chrome::new(Some(user), headers),
            other.into(),
        ),
    }
}

#[derive(Deserialize)]
pub struct FieldsForm {
    version: Option<i32>,
    title: Option<String>,
    description: Option<String>,
    #[serde(rename = "type")]
    item_type: Option<String>,
    status: Option<String>,
    priority: Option<String>,
    owner_id: Option<String>,
    start_at: Option<String>,
    due_at: Option<String>,
    tags: Option<String>,
    deliverable_type: Option<String>,
    client: Option<String>,
    waiting_on_user_id: Option<String>,
    waiting_reason: Option<String>,
}

/// `POST /work/{id}`: every field at once.
pub async fn post_item_fields(
    State(app): State<App>,
    IdPath(id): IdPath,
    client: ClientInfo,
    headers: HeaderMap,
    CsrfForm { user, form }: CsrfForm<FieldsForm>,
) -> Response {
    let tz = app.settings.timezone;
    let waiting = blank_is_none(form.waiting_on_user_id);
    let changes = WorkItemChanges {
        title: form.title,
        description: form.description,
        item_type: form.item_type,
        status: form.status,
        priority: form.priority,
        owner_id: blank_is_none(form.owner_id),
        start_at: form.start_at.map(|raw| local_time(Some(&raw), tz)),
        due_at: form.due_at.map(|raw| local_time(Some(&raw), tz)),
        tags: form.tags.map(|t| {
            t.split([' ', ','])
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect()
        }),
        deliverable_type: blank_is_none(form.deliverable_type),
        client: blank_is_none(form.client),
        waiting_reason: form
            .waiting_reason
            .filter(|_| matches!(waiting, Some(Some(_)))),
        waiting_on_user_id: waiting,
        ..Default::default()
    };
    match work_items::update(
        &app.db,
        &client.actor_for(&user),
        WorkItemId(id),
        form.version,
        changes,
    )
    .await
    {
        Ok(_) => back(&app, id, "", "Saved."),
        Err(error) => refused(&app, &headers, &user, id, error),
    }
}

/// `POST /work/{id}/qc`: proofing settings and checklist, or a decision.
pub async fn post_item_qc(
    State(app): State<App>,
    IdPath(id): IdPath,
    client: ClientInfo,
    headers: HeaderMap,
    CsrfForm { user, form }: CsrfForm<HashMap<String, String>>,
) -> Response {
    let version = form.get("version").and_then(|v| v.parse().ok());
    let changes = match form.get("decision") {
        Some(decision) => QcChanges {
            proof_status: Some(decision.clone()),
            note: form.get("note").cloned(),
            confirm_unticked: Some(form.contains_key("confirm_unticked")),
            ..Default::default()
        },
        None => {
            let mut checklist: Vec<(usize, ChecklistItem)> = form
                .iter()
                .filter_map(|(key, label)| {
                    key.strip_prefix("label_")?
                        .parse::<usize>()
                        .ok()
                        .map(|i| (i, label))
                })
                .map(|(i, label)| {
                    (
                        i,
                        ChecklistItem {
                            label: label.clone(),
                            checked: form.contains_key(&format!("checked_{i}")),
                        },
                    )
                })
                .collect();
            checklist.sort_by_key(|(i, _)| *i);
            let mut checklist: Vec<ChecklistItem> =
                checklist.into_iter().map(|(_, item)| item).collect();
            if let Some(new) = form
                .get("label_new")
                .map(|l| l.trim())
                .filter(|l| !l.is_empty())
            {
                checklist.push(ChecklistItem {
                    label: new.to_string(),
                    checked: false,
                });
            }
            QcChanges {
                needs_proofing: Some(form.contains_key("needs_proofing")),
                proofer_id: Some(form.get("proofer_id").cloned().filter(|v| !v.is_empty())),
                tbp_graphics_location: Some(
                    form.get("tbp_graphics_location")
                        .cloned()
                        .filter(|v| !v.trim().is_empty()),
                ),
                qc_notes: Some(
                    form.get("qc_notes")
                        .cloned()
                        .filter(|v| !v.trim().is_empty()),
                ),
                qc_checklist: Some(checklist),
                ..Default::default()
            }
        }
    };
    match work_items::qc::decide(
        &app.db,
        &client.actor_for(&user),
        user.role,
        WorkItemId(id),
        version,
        changes,
    )
    .await
    {
        Ok(_) => back(&app, id, "#qc", "QC saved."),
        Err(error) => refused(&app, &headers, &user, id, error),
    }
}

#[derive(Deserialize)]
pub struct SubtaskForm {
    title: Option<String>,
    due_at: Option<String>,
}

/// `POST /work/{id}/subtasks`
pub async fn post_item_subtask(
    State(app): State<App>,
    IdPath(id): IdPath,
    client: ClientInfo,
    headers: HeaderMap,
    CsrfForm { user, form }: CsrfForm<SubtaskForm>,
) -> Response {
    let input = subtasks::NewSubtask {
        title: form.title,
        due_at: local_time(form.due_at.as_deref(), app.settings.timezone),
        ..Default::default()
    };
    match subtasks::create(&app.db, &client.actor_for(&user), WorkItemId(id), input).await {
        Ok(_) => back(&app, id, "#subtasks", "Subtask added."),
        Err(error) => refused(&app, &headers, &user, id, error),
    }
}

#[derive(Deserialize)]
pub struct SubtaskToggleForm {
    item_id: Uuid,
    done: Option<String>,
}

/// `POST /subtasks/{id}/toggle`
pub async fn post_subtask_toggle(
    State(app): State<App>,
    IdPath(id): IdPath,
    client: ClientInfo,
    headers: HeaderMap,
    CsrfForm { user, form }: CsrfForm<SubtaskToggleForm>,
) -> Response {
    let changes = subtasks::SubtaskChanges {
        done: Some(form.done.as_deref() == Some("true")),
        ..Default::default()
    };
    match subtasks::update(&app.db, &client.actor_for(&user), id, changes).await {
        Ok(_) => back(&app, form.item_id, "#subtasks", "Subtask updated."),
        Err(error) => refused(&app, &headers, &user, form.item_id, error),
    }
}

#[derive(Deserialize)]
pub struct ItemRef {
    item_id: Uuid,
}

/// `POST /subtasks/{id}/delete`
pub async fn post_subtask_delete(
    State(app): State<App>,
    IdPath(id): IdPath,
    client: ClientInfo,
    headers: HeaderMap,
    CsrfForm { user, form }: CsrfForm<ItemRef>,
) -> Response {
    match subtasks::delete(&app.db, &client.actor_for(&user), id).await {
        Ok(()) => back(&app, form.item_id, "#subtasks", "Subtask deleted."),
        Err(error) => refused(&app, &headers, &user, form.item_id, error),
    }
}

#[derive(Deserialize)]
pub struct CommentForm {
    body: Option<String>,
}

/// `POST /work/{id}/comments`
pub async fn post_item_comment(
    State(app): State<App>,
    IdPath(id): IdPath,
    client: ClientInfo,
    headers: HeaderMap,
    CsrfForm { user, form }: CsrfForm<CommentForm>,
) -> Response {
    match comments::create(
        &app.db,
        &client.actor_for(&user),
        WorkItemId(id),
        comments::CommentBody { body: form.body },
    )
    .await
    {
        Ok(_) => back(&app, id, "#comments", "Comment added."),
        Err(error) => refused(&app, &headers, &user, id, error),
    }
}

/// `POST /comments/{id}/delete`
pub async fn post_comment_delete(
    State(app): State<App>,
    IdPath(id): IdPath,
    client: ClientInfo,
    headers: HeaderMap,
    CsrfForm { user, form }: CsrfForm<ItemRef>,
) -> Response {
    match comments::delete(&app.db, &client.actor_for(&user), user.role, id).await {
        Ok(()) => back(&app, form.item_id, "#comments", "Comment deleted."),
        Err(error) => refused(&app, &headers, &user, form.item_id, error),
    }
}

#[derive(Deserialize)]
pub struct MessageForm {
    channel: Option<String>,
    direction: Option<String>,
    body: Option<String>,
}

/// `POST /work/{id}/messages`
pub async fn post_item_message(
    State(app): State<App>,
    IdPath(id): IdPath,
    client: ClientInfo,
    headers: HeaderMap,
    CsrfForm { user, form }: CsrfForm<MessageForm>,
) -> Response {
    let input = messages::NewMessage {
        channel: form.channel,
        direction: form.direction,
        body: form.body,
    };
    let deliver = crate::services::events::outbound::ghl_configured(&app.settings);
    match messages::create_with_delivery(
        &app.db,
        &client.actor_for(&user),
        WorkItemId(id),
        input,
        deliver,
    )
    .await
    {
        Ok(_) => back(&app, id, "#messages", "Message logged."),
        Err(error) => refused(&app, &headers, &user, id, error),
    }
}

#[derive(Deserialize)]
pub struct DeleteForm {
    confirm: Option<String>,
}

/// `POST /work/{id}/delete` (admins): only with the confirmation box ticked.
pub async fn post_item_delete(
    State(app): State<App>,
    RequireAdmin(_admin): RequireAdmin,
    IdPath(id): IdPath,
    client: ClientInfo,
    headers: HeaderMap,
    CsrfForm { user, form }: CsrfForm<DeleteForm>,
) -> Response {
    if form.confirm.as_deref() != Some("yes") {
        return back(&app, id, "", "Tick the confirmation box to delete.");
    }
    match work_items::delete(&app.db, &client.actor_for(&user), WorkItemId(id)).await {
        Ok(()) => redirect_with_flash(&app.settings, "/work", "The item is deleted."),
        Err(error) => refused(&app, &headers, &user, id, error),
    }
}
