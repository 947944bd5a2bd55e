//! One event's page (`/events/{id}`): its state and outcome and its whole payload, which the
//! events list leaves out so a page of the queues stays small however large payloads are.

use askama::Template;
use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::Response,
};

use super::{Chrome, error_page, events::EventRow, render};
use crate::{
    app::App,
    http::{api::path_id::IdPath, extract::CurrentUser},
    services::events,
};

#[derive(Template)]
#[template(path = "event_detail.html")]
struct EventDetailPage<'a> {
    chrome: &'a Chrome,
    e: EventRow,
    direction: &'static str,
    external_id: String,
    payload: String,
}

/// `GET /events/{id}`
pub async fn get_event(
    State(app): State<App>,
    user: CurrentUser,
    headers: HeaderMap,
    IdPath(id): IdPath,
) -> Response {
    let chrome = Chrome::load(&app, &user, &headers, "events").await;
    let event = match events::get(app.db.conn(), id).await {
        Ok(event) => event,
        Err(error) => return error_page(&app.settings, &chrome, error.into()),
    };
    let (summary, payload) = event.split();
    let direction = if summary.direction == events::direction::INBOUND {
        "Received"
    } else {
        "Queued for HighLevel"
    };
    let external_id = summary.external_id.clone().unwrap_or_default();
    let page = EventDetailPage {
        chrome: &chrome,
        e: EventRow::new(summary, super::zone(&app, &user)),
        direction,
        external_id,
        payload: serde_json::to_string_pretty(&payload).unwrap_or_default(),
    };
    render(&app.settings, &chrome, StatusCode::OK, &page)
}
