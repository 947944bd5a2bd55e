//! Calendar feeds: `/api/calendar/feeds` to list, create and revoke one's private ICS URLs, and
//! the feed itself at `/calendar/{token}.ics`, where the token in the URL is the only key.

use utoipa_axum::routes;

use crate::http::routes::{Access::*, Routes};
use axum::{
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};

use super::path_id::IdPath;
use super::respond::{self, Data, Page};
use crate::{
    app::App,
    http::{
        error::AppError,
        extract::{ApiJson, CurrentUser},
    },
    services::{
        ServiceError,
        calendar_feeds::{self, CreatedFeedView, FeedView, NewFeed},
        signin::ClientInfo,
    },
};

/// One's working feeds, newest first (their URLs are shown only when created).
#[utoipa::path(get, path = "/api/calendar/feeds", tag = "calendar",
    responses((status = 200, body = Page<FeedView>)))]
pub async fn list_calendar_feeds(
    State(app): State<App>,
    user: CurrentUser,
) -> Result<impl IntoResponse, AppError> {
    let data = calendar_feeds::list(app.db.conn(), user.id).await?;
    Ok(respond::list(data, None))
}

/// Create a private feed of one's own items (`scope: MINE`, the default) or of all items
/// (`ALL`). The answer carries its URL, which is not shown again.
#[utoipa::path(post, path = "/api/calendar/feeds", tag = "calendar", request_body = NewFeed,
    responses((status = 201, description = "Created", body = Data<CreatedFeedView>)))]
pub async fn create_calendar_feed(
    State(app): State<App>,
    user: CurrentUser,
    client: ClientInfo,
    ApiJson(body): ApiJson<NewFeed>,
) -> Result<impl IntoResponse, AppError> {
    // A feed URL is a credential of its own that outlives the token or session making it.
    crate::http::reauth::require_recent(&user)?;
    let actor = client.actor_for(&user);
    let created = calendar_feeds::create(&app.db, &actor, &app.settings, user.id, body).await?;
    Ok((StatusCode::CREATED, respond::data(created)))
}

/// Revoke one of one's feeds: its URL answers 404 from now on.
#[utoipa::path(delete, path = "/api/calendar/feeds/{id}", tag = "calendar", params(("id" = Uuid, Path)),
    responses((status = 204, description = "Revoked")))]
pub async fn delete_calendar_feed(
    State(app): State<App>,
    user: CurrentUser,
    client: ClientInfo,
    IdPath(id): IdPath,
) -> Result<impl IntoResponse, AppError> {
    calendar_feeds::revoke(&app.db, &client.actor_for(&user), user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /calendar/{token}.ics`: the feed, for calendar apps. No sign-in: the token is the key;
/// an unknown or revoked one is a plain 404 that says nothing more.
pub async fn get_calendar_feed(State(app): State<App>, Path(file): Path<String>) -> Response {
    let not_found = || {
        (
            StatusCode::NOT_FOUND,
            "Not found: there is no calendar at this address.",
        )
            .into_response()
    };
    let Some(token) = file.strip_suffix(".ics") else {
        return not_found();
    };
    match calendar_feeds::render_feed(&app.db, &app.settings, token).await {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "inline; filename=\"ops-desktop.ics\"",
                ),
                // Private to the subscriber; calendar apps poll hourly anyway.
                (header::CACHE_CONTROL, "private, max-age=300"),
            ],
            body,
        )
            .into_response(),
        Err(ServiceError::NotFound) => not_found(),
        Err(error) => AppError::from(error).into_response(),
    }
}

/// This resource's routes, each with who may use it; paths and methods are those of the
/// handlers' `#[utoipa::path]`.
pub fn routes() -> Routes {
    Routes::new()
        .api(SignedIn, routes!(list_calendar_feeds))
        .api(SignedIn, routes!(create_calendar_feed))
        .api(SignedIn, routes!(delete_calendar_feed))
}
