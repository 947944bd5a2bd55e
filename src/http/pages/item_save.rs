//! `POST /work/{id}`: the item page's one save path. The Save button posts every control; an
//! autosave (app.js, asking for JSON) posts the controls that changed; Approve and Request
//! changes post the whole form with their decision. All of it is one call to
//! [`qc::save`](crate::services::work_items::qc::save), so ticks are saved with a decision and a
//! refused request changes nothing.
//!
//! A save made against an older version than the stored one was made before someone else's
//! change: it is not applied, the page says who changed what, and keeps what this person typed.

use std::collections::HashMap;

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono_tz::Tz;
use serde_json::json;
use uuid::Uuid;

use super::{
    Chrome, Flash, error_page,
    item::{Kept, item_page},
    item_history::{Reader, describe},
    item_values::{FormValues, Posted},
    present, redirect_with_error, redirect_with_flash,
};
use crate::{
    app::App,
    domain::{ids::WorkItemId, work_item::ProofStatus},
    http::{
        api::path_id::IdPath,
        extract::{CsrfForm, CurrentUser},
    },
    services::{
        ServiceError,
        signin::ClientInfo,
        work_items::{self, WorkItemView, qc},
    },
};

/// The page's script asks for JSON; a plain form post gets a redirect or a page.
fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// `POST /work/{id}` (and `/work/{id}/qc`, the same form's older address).
pub async fn post_item(
    State(app): State<App>,
    IdPath(id): IdPath,
    client: ClientInfo,
    headers: HeaderMap,
    CsrfForm { user, form }: CsrfForm<Vec<(String, String)>>,
) -> Response {
    let json = wants_json(&headers);
    let tz = super::zone(&app, &user);
    let posted = Posted(form);
    let current = match work_items::get(&app.db, WorkItemId(id)).await {
        Ok(item) => item,
        Err(error) => {
            return error_page(
                &app.settings,
                &Chrome::new(Some(&user), &headers),
                error.into(),
            );
        }
    };
    if let Some(version) = posted.version()
        && version != current.version
    {
        return stale(&app, &user, &headers, &current, version, posted, json).await;
    }
    let changes = match posted.changes(&current, tz) {
        Ok(changes) => changes,
        Err(fields) => {
            let error = ServiceError::Invalid(fields);
            return refused(&app, &user, &headers, id, tz, error, json).await;
        }
    };
    let decision = posted.decision();
    let verdict = decision.verdict.clone();
    let result = qc::save(
        &app.db,
        &client.actor_for(&user),
        user.role,
        WorkItemId(id),
        Some(current.version),
        changes,
        decision,
    )
    .await;
    match result {
        Ok(item) => {
            let message = match verdict
                .as_deref()
                .and_then(|v| v.parse::<ProofStatus>().ok())
            {
                Some(ProofStatus::Approved) => "Proof approved.",
                Some(ProofStatus::ChangesRequested) => {
                    "Changes requested. Your note is now a comment on the item."
                }
                _ if item.version == current.version => "Nothing to save: nothing changed.",
                _ => "Saved.",
            };
            if json {
                let mut response = Json(
                    json!({"saved": true, "message": message, "version": item.version,
                        "values": FormValues::of(&item, tz), "reload": verdict.is_some()}),
                )
                .into_response();
                if verdict.is_some() {
                    // The page reloads after a decision (new comment, history): it shows this.
                    response.headers_mut().append(
                        header::SET_COOKIE,
                        crate::http::cookies::flash(&app.settings, &format!("ok|{message}")),
                    );
                }
                response
            } else {
                redirect_with_flash(&app.settings, &format!("/work/{id}#top"), message)
            }
        }
        Err(ServiceError::Conflict(reason)) if reason.contains("someone else changed") => {
            // Lost a race after the check above: the same answer as a stale form.
            let fresh = work_items::get(&app.db, WorkItemId(id))
                .await
                .unwrap_or(current.clone());
            stale(&app, &user, &headers, &fresh, current.version, posted, json).await
        }
        Err(error) => refused(&app, &user, &headers, id, tz, error, json).await,
    }
}

/// The refusal in a person's words, or `None` for errors that are not about the request.
fn refusal_text(error: &ServiceError) -> Option<String> {
    Some(match error {
        ServiceError::Conflict(reason) | ServiceError::NotAllowed(reason) => {
            format!("Not saved: {reason}")
        }
        ServiceError::Forbidden => "Not saved: you are not allowed to do that.".to_string(),
        ServiceError::Invalid(fields) => {
            format!("Not saved: {}", super::field_words::problems(fields))
        }
        _ => return None,
    })
}

async fn refused(
    app: &App,
    user: &CurrentUser,
    headers: &HeaderMap,
    id: Uuid,
    tz: Tz,
    error: ServiceError,
    json: bool,
) -> Response {
    let Some(message) = refusal_text(&error) else {
        return error_page(
            &app.settings,
            &Chrome::new(Some(user), headers),
            error.into(),
        );
    };
    if !json {
        // Back to the page as stored: every control shows what is saved, the refusal says why.
        return redirect_with_error(&app.settings, &format!("/work/{id}#top"), &message);
    }
    let status = match error {
        ServiceError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ServiceError::Forbidden | ServiceError::NotAllowed(_) => StatusCode::FORBIDDEN,
        _ => StatusCode::CONFLICT,
    };
    let body = match work_items::get(&app.db, WorkItemId(id)).await {
        Ok(item) => json!({"saved": false, "message": message, "version": item.version,
            "values": FormValues::of(&item, tz)}),
        Err(_) => json!({"saved": false, "message": message}),
    };
    (status, Json(body)).into_response()
}

/// Someone else saved since this form was loaded: say who changed what, keep what was typed.
async fn stale(
    app: &App,
    user: &CurrentUser,
    headers: &HeaderMap,
    current: &WorkItemView,
    seen: i32,
    posted: Posted,
    json: bool,
) -> Response {
    let tz = super::zone(app, user);
    let changes = changes_since(app, current.id, seen, user, tz).await;
    let message = if changes.is_empty() {
        "Not saved yet: this item changed since you opened it. What you typed is kept; check it and save again.".to_string()
    } else {
        format!(
            "Not saved yet: {} meanwhile. What you typed is kept; check it and save again.",
            changes.join("; ")
        )
    };
    if json {
        let body = json!({"saved": false, "stale": true, "message": message, "changes": changes,
            "version": current.version, "values": FormValues::of(current, tz)});
        return (StatusCode::CONFLICT, Json(body)).into_response();
    }
    let chrome = Chrome::load(app, user, headers, "work").await;
    let kept = Kept {
        posted,
        notice: Flash {
            text: message,
            error: true,
        },
    };
    let mut response = item_page(app, user, chrome, current.id, Some(kept)).await;
    *response.status_mut() = StatusCode::CONFLICT;
    response
}

/// "Priya Shah set the priority to High", for each change after version `seen` by others.
async fn changes_since(
    app: &App,
    item: Uuid,
    seen: i32,
    user: &CurrentUser,
    tz: Tz,
) -> Vec<String> {
    let (Ok(history), Ok(names)) = (
        work_items::history(&app.db, WorkItemId(item)).await,
        present::names(app).await,
    ) else {
        return Vec::new();
    };
    let names: HashMap<Uuid, String> = names;
    let reader = Reader { names: &names, tz };
    history
        .iter()
        .filter(|entry| {
            entry
                .after
                .as_ref()
                .and_then(|after| after.get("version"))
                .and_then(|v| v.as_i64())
                .is_some_and(|version| version > i64::from(seen))
                && entry.actor_id != Some(user.id.0)
        })
        .map(|entry| {
            let who = entry
                .actor_id
                .and_then(|id| names.get(&id).cloned())
                .unwrap_or_else(|| "Someone".into());
            format!("{who} {}", describe(entry, &reader))
        })
        .collect()
}
