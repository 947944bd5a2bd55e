//! Subtasks of a work item: `GET/POST /api/work-items/{id}/subtasks`,
//! `PATCH/DELETE /api/subtasks/{id}`.

use utoipa_axum::routes;

use crate::http::routes::{Access::*, Routes};
use axum::{extract::State, http::StatusCode, response::IntoResponse};

use super::path_id::{IdPath, ItemPath};
use super::respond::{self, Data, Page};
use crate::{
    app::App,
    http::{
        error::AppError,
        extract::{ApiJson, CurrentUser},
    },
    services::{
        signin::ClientInfo,
        subtasks::{self, NewSubtask, SubtaskChanges, SubtaskView},
    },
};

/// An item's subtasks in position order.
#[utoipa::path(get, path = "/api/work-items/{id}/subtasks", tag = "subtasks", params(("id" = Uuid, Path, description = "The item's id, or its key (`OPS-12`)")),
    responses((status = 200, body = Page<SubtaskView>), (status = 404, description = "Unknown item")))]
pub async fn list_subtasks(
    State(app): State<App>,
    _user: CurrentUser,
    ItemPath(id): ItemPath,
) -> Result<impl IntoResponse, AppError> {
    let data = subtasks::list(&app.db, id).await?;
    Ok(respond::list(data, None))
}

/// Add a subtask (at `position`, or last).
#[utoipa::path(post, path = "/api/work-items/{id}/subtasks", tag = "subtasks", params(("id" = Uuid, Path, description = "The item's id, or its key (`OPS-12`)")), request_body = NewSubtask,
    responses((status = 201, body = Data<SubtaskView>), (status = 404, description = "Unknown item")))]
pub async fn create_subtask(
    State(app): State<App>,
    user: CurrentUser,
    client: ClientInfo,
    ItemPath(id): ItemPath,
    ApiJson(body): ApiJson<NewSubtask>,
) -> Result<impl IntoResponse, AppError> {
    let subtask = subtasks::create(&app.db, &client.actor_for(&user), id, body).await?;
    Ok((StatusCode::CREATED, respond::data(subtask)))
}

/// Edit, toggle or move a subtask; `null` clears `assigneeId` or `dueAt`.
#[utoipa::path(patch, path = "/api/subtasks/{id}", tag = "subtasks", params(("id" = Uuid, Path)), request_body = SubtaskChanges,
    responses((status = 200, body = Data<SubtaskView>)))]
pub async fn patch_subtask(
    State(app): State<App>,
    user: CurrentUser,
    client: ClientInfo,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<SubtaskChanges>,
) -> Result<impl IntoResponse, AppError> {
    let subtask = subtasks::update(&app.db, &client.actor_for(&user), id, body).await?;
    Ok(respond::data(subtask))
}

/// Delete a subtask; the ones after it move up.
#[utoipa::path(delete, path = "/api/subtasks/{id}", tag = "subtasks", params(("id" = Uuid, Path)),
    responses((status = 204, description = "Deleted")))]
pub async fn delete_subtask(
    State(app): State<App>,
    user: CurrentUser,
    client: ClientInfo,
    IdPath(id): IdPath,
) -> Result<impl IntoResponse, AppError> {
    subtasks::delete(&app.db, &client.actor_for(&user), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// This resource's routes, each with who may use it; paths and methods are those of the
/// handlers' `#[utoipa::path]`.
pub fn routes() -> Routes {
    Routes::new()
        .api(SignedIn, routes!(list_subtasks))
        .api(SignedIn, routes!(create_subtask))
        .api(SignedIn, routes!(patch_subtask))
        .api(SignedIn, routes!(delete_subtask))
}
