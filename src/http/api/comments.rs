//! Comments on a work item: `GET/POST /api/work-items/{id}/comments`,
//! `PATCH/DELETE /api/comments/{id}`.

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
        comments::{self, CommentBody, CommentView},
        signin::ClientInfo,
    },
};

/// An item's comments, oldest first, each with its Markdown rendered (`bodyHtml`).
#[utoipa::path(get, path = "/api/work-items/{id}/comments", tag = "comments", params(("id" = Uuid, Path, description = "The item's id, or its key (`OPS-12`)")),
    responses((status = 200, body = Page<CommentView>), (status = 404, description = "Unknown item")))]
pub async fn list_comments(
    State(app): State<App>,
    _user: CurrentUser,
    ItemPath(id): ItemPath,
) -> Result<impl IntoResponse, AppError> {
    let data = comments::list(&app.db, id).await?;
    Ok(respond::list(data, None))
}

/// Comment on an item; `@handle` mentions notify the person named.
#[utoipa::path(post, path = "/api/work-items/{id}/comments", tag = "comments", params(("id" = Uuid, Path, description = "The item's id, or its key (`OPS-12`)")), request_body = CommentBody,
    responses((status = 201, body = Data<CommentView>), (status = 404, description = "Unknown item")))]
pub async fn create_comment(
    State(app): State<App>,
    user: CurrentUser,
    client: ClientInfo,
    ItemPath(id): ItemPath,
    ApiJson(body): ApiJson<CommentBody>,
) -> Result<impl IntoResponse, AppError> {
    let comment = comments::create(&app.db, &client.actor_for(&user), id, body).await?;
    Ok((StatusCode::CREATED, respond::data(comment)))
}

/// Edit one's own comment.
#[utoipa::path(patch, path = "/api/comments/{id}", tag = "comments", params(("id" = Uuid, Path)), request_body = CommentBody,
    responses((status = 200, body = Data<CommentView>), (status = 403, description = "Not the author")))]
pub async fn patch_comment(
    State(app): State<App>,
    user: CurrentUser,
    client: ClientInfo,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<CommentBody>,
) -> Result<impl IntoResponse, AppError> {
    let comment = comments::update(&app.db, &client.actor_for(&user), id, body).await?;
    Ok(respond::data(comment))
}

/// Delete a comment: one's own, or any as an admin.
#[utoipa::path(delete, path = "/api/comments/{id}", tag = "comments", params(("id" = Uuid, Path)),
    responses((status = 204, description = "Deleted"), (status = 403, description = "Neither the author nor an admin")))]
pub async fn delete_comment(
    State(app): State<App>,
    user: CurrentUser,
    client: ClientInfo,
    IdPath(id): IdPath,
) -> Result<impl IntoResponse, AppError> {
    comments::delete(&app.db, &client.actor_for(&user), user.role, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// This resource's routes, each with who may use it; paths and methods are those of the
/// handlers' `#[utoipa::path]`.
pub fn routes() -> Routes {
    Routes::new()
        .api(SignedIn, routes!(list_comments))
        .api(SignedIn, routes!(create_comment))
        .api(SignedIn, routes!(patch_comment))
        .api(SignedIn, routes!(delete_comment))
}
