//! `GET /api/inbox` and one's notifications: `GET /api/notifications`,
//! `POST /api/notifications/read`.

use utoipa_axum::routes;

use crate::http::routes::{Access::*, Routes};
use axum::{
    extract::{RawQuery, State},
    response::IntoResponse,
};
use serde::Serialize;

use super::respond::{self, Data, Page};
use crate::{
    app::App,
    http::{
        error::AppError,
        extract::{ApiJson, CurrentUser},
    },
    services::{
        inbox::{self, Inbox, MarkRead, NotificationQuery},
        notifications::NotificationView,
    },
};

/// What needs me now: items waiting on me, items to proof, unread notifications.
#[utoipa::path(get, path = "/api/inbox", tag = "inbox", responses((status = 200, body = Data<Inbox>)))]
pub async fn get_inbox(
    State(app): State<App>,
    user: CurrentUser,
) -> Result<impl IntoResponse, AppError> {
    let data = inbox::inbox(&app.db, user.id).await?;
    Ok(respond::data(data))
}

/// My notifications, newest first; `nextCursor` is the `cursor` of the next page.
#[utoipa::path(get, path = "/api/notifications", tag = "inbox",
    params(
        ("unread" = Option<bool>, Query, description = "Only unread ones"),
        ("limit" = Option<u64>, Query, minimum = 1, maximum = 200, description = "1–200, default 50"),
        ("cursor" = Option<String>, Query, description = "`nextCursor` of the previous page"),
    ),
    responses((status = 200, body = Page<NotificationView>)))]
pub async fn list_notifications(
    State(app): State<App>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> Result<impl IntoResponse, AppError> {
    let query = NotificationQuery::parse(&super::query::query_pairs(raw)?)?;
    let (data, next) = inbox::list_notifications(&app.db, user.id, &query).await?;
    Ok(respond::list(data, next))
}

/// Mark some (`ids`) or all (`all: true`) of my notifications read.
#[utoipa::path(post, path = "/api/notifications/read", tag = "inbox", request_body = MarkRead,
    responses((status = 200, description = "How many were marked read", body = Data<Marked>)))]
pub async fn mark_notifications_read(
    State(app): State<App>,
    user: CurrentUser,
    ApiJson(body): ApiJson<MarkRead>,
) -> Result<impl IntoResponse, AppError> {
    let marked = inbox::mark_read(&app.db, user.id, body).await?;
    Ok(respond::data(Marked { marked }))
}

/// How many notifications were marked read.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Marked {
    pub marked: u64,
}

/// This resource's routes, each with who may use it; paths and methods are those of the
/// handlers' `#[utoipa::path]`.
pub fn routes() -> Routes {
    Routes::new()
        .api(SignedIn, routes!(list_notifications))
        .api(SignedIn, routes!(mark_notifications_read))
        .api(SignedIn, routes!(get_inbox))
}
