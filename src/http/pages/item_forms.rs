//! The item page's forms: each posts, calls one service, and redirects back with a message.
//! Browser form values (local times, blank selects, space-separated tags) are turned into
//! the same requests the API takes, so the rules are the API's rules.

use axum::{extract::State, http::HeaderMap, response::Response};
use chrono_tz::Tz;
use serde::Deserialize;
use uuid::Uuid;

use super::{Chrome, error_page, redirect_with_error, redirect_with_flash};
use crate::{
    app::App,
    domain::{
        FieldErrors,
        ids::WorkItemId,
        local_time::{self as domain_time, TypedTimeError},
    },
    http::{
        api::path_id::IdPath,
        extract::{CsrfForm, RequireAdmin},
    },
    services::{ServiceError, comments, messages, signin::ClientInfo, subtasks, work_items},
};

/// A typed time (`2026-12-08 17:30`, 24-hour; see [`local_time::parse_typed`]) read in the
/// person's zone, as RFC 3339; blank is `None`. Text that is not a time is passed on for the
/// service to refuse; a time the clocks skip is refused here, in words for the page.
pub fn local_time(raw: Option<&str>, tz: Tz) -> Result<Option<String>, String> {
    let Some(raw) = raw else { return Ok(None) };
    match domain_time::parse_typed(raw, tz) {
        Ok(at) => Ok(at.map(|at| at.with_timezone(&tz).to_rfc3339())),
        Err(TypedTimeError::NotATime) => Ok(Some(raw.trim().to_string())),
        Err(TypedTimeError::Skipped(problem)) => Err(problem),
    }
}

/// A skipped time as the field problem services report (`field` is the API's name).
pub fn time_problem(field: &str, problem: String) -> ServiceError {
    let mut errors = FieldErrors::default();
    errors.add(field, problem);
    ServiceError::Invalid(errors)
}

fn back(app: &App, item: Uuid, anchor: &str, message: &str) -> Response {
    redirect_with_flash(&app.settings, &format!("/work/{item}{anchor}"), message)
}

/// Errors on the item page: a rule or validation problem goes back as a refusal.
fn refused(
    app: &App,
    headers: &HeaderMap,
    user: &crate::http::extract::CurrentUser,
    item: Uuid,
    error: ServiceError,
) -> Response {
    let text = match error {
        ServiceError::Conflict(reason) | ServiceError::NotAllowed(reason) => reason,
        ServiceError::Invalid(fields) => super::field_words::problems(&fields),
        ServiceError::Forbidden => "you are not allowed to do that.".to_string(),
        other => {
            return error_page(
                &app.settings,
                &Chrome::new(Some(user), headers),
                other.into(),
            );
        }
    };
    redirect_with_error(
        &app.settings,
        &format!("/work/{item}"),
        &format!("Not saved: {text}"),
    )
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
    let due_at = match local_time(form.due_at.as_deref(), super::zone(&app, &user)) {
        Ok(due_at) => due_at,
        Err(problem) => return refused(&app, &headers, &user, id, time_problem("dueAt", problem)),
    };
    let input = subtasks::NewSubtask {
        title: form.title,
        due_at,
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

#[cfg(test)]
mod tests {
    use super::local_time;

    #[test]
    fn typed_times_are_24_hour_in_the_persons_zone() {
        let kolkata: chrono_tz::Tz = "Asia/Kolkata".parse().unwrap();
        let at = |raw: &str| local_time(Some(raw), kolkata).unwrap();
        assert_eq!(at("2026-12-08 09:00").unwrap(), "2026-12-08T09:00:00+05:30");
        assert_eq!(at("2026-12-08T21:30").unwrap(), "2026-12-08T21:30:00+05:30");
        assert_eq!(at(" 2026-12-08 ").unwrap(), "2026-12-08T00:00:00+05:30");
        assert_eq!(at(""), None);
        // Not a time: passed on for the service to refuse.
        assert_eq!(at("9pm").unwrap(), "9pm");
        // A time the clocks skip: refused here.
        let skipped = local_time(Some("2026-03-08 02:30"), chrono_tz::America::New_York);
        assert!(
            skipped
                .unwrap_err()
                .contains("clocks jump from 02:00 to 03:00")
        );
    }
}
