//! The events page (`/events`, docs/PRODUCT.md §7): the inbound and outbound queues with their counts
//! by state, each event's type, state, attempts and error (its payload is one click away, on
//! `/events/{id}`), and the triage actions (convert, dismiss, retry) as plain form posts that
//! come back here with a message.

use askama::Template;
use axum::{
    extract::{RawQuery, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use super::{Chrome, error_page, redirect_with_flash, render};
use crate::{
    app::App,
    http::{
        api::{path_id::IdPath, query::query_pairs},
        extract::{CsrfForm, CurrentUser},
    },
    services::{
        events::{
            EventSummary,
            list::{self, ListQuery, QueueView},
            state,
            triage::{self, ConvertInput},
        },
        signin::ClientInfo,
    },
};

/// One event as a row of the page (and the head of its detail page).
pub(super) struct EventRow {
    pub(super) id: String,
    pub(super) when: String,
    pub(super) machine_time: String,
    pub(super) event_type: String,
    pub(super) source: String,
    pub(super) state: String,
    pub(super) attempts: i32,
    pub(super) last_error: String,
    pub(super) response: String,
    pub(super) work_item_id: String,
    /// Convert and dismiss are offered.
    pub(super) waiting: bool,
    /// Retry is offered.
    pub(super) retryable: bool,
}

impl EventRow {
    pub(super) fn new(event: EventSummary, tz: Tz) -> EventRow {
        let waiting = event.direction == "INBOUND"
            && (event.state == state::TRIAGE || event.state == state::FAILED);
        let retryable = waiting || (event.direction == "OUTBOUND" && event.state == state::FAILED);
        EventRow {
            id: event.id.to_string(),
            when: local(event.created_at, tz),
            machine_time: event.created_at.to_rfc3339(),
            event_type: event.event_type,
            source: event.source,
            state: event.state,
            attempts: event.attempts,
            last_error: event.last_error.unwrap_or_default(),
            response: event.response.unwrap_or_default(),
            work_item_id: event
                .work_item_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            waiting,
            retryable,
        }
    }
}

/// One queue as the page shows it.
struct QueueSection {
    key: &'static str,
    title: &'static str,
    counts: Vec<(String, u64)>,
    rows: Vec<EventRow>,
    /// The link to the next page of this queue.
    older: Option<String>,
}

#[derive(Template)]
#[template(path = "events.html")]
struct EventsPage<'a> {
    chrome: &'a Chrome,
    csrf: &'a str,
    state_filter: String,
    type_filter: String,
    states: Vec<&'static str>,
    queues: Vec<QueueSection>,
}

/// `GET /events`
pub async fn get_events(
    State(app): State<App>,
    user: CurrentUser,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let chrome = Chrome::load(&app, &user, &headers, "events").await;
    let query = match query_pairs(raw).map(|pairs| list::parse_query(&pairs)) {
        Ok(Ok(query)) => query,
        Ok(Err(errors)) => return error_page(&app.settings, &chrome, errors.into()),
        Err(error) => return error_page(&app.settings, &chrome, error),
    };
    let queues = match list::list(&app.db, &query).await {
        Ok(queues) => queues,
        Err(error) => return error_page(&app.settings, &chrome, error.into()),
    };
    let tz = super::zone(&app, &user);
    let mut states: Vec<&'static str> = state::INBOUND
        .iter()
        .chain(state::OUTBOUND)
        .copied()
        .collect();
    states.sort();
    states.dedup();
    let page = EventsPage {
        chrome: &chrome,
        csrf: user.csrf_token(),
        state_filter: query.state.clone().unwrap_or_default(),
        type_filter: query.event_type.clone().unwrap_or_default(),
        states,
        queues: vec![
            section(
                "inbound",
                "Inbound: what came in",
                state::INBOUND,
                queues.inbound,
                &query,
                tz,
            ),
            section(
                "outbound",
                "Outbound: what goes to HighLevel",
                state::OUTBOUND,
                queues.outbound,
                &query,
                tz,
            ),
        ],
    };
    render(&app.settings, &chrome, StatusCode::OK, &page)
}

fn section(
    key: &'static str,
    title: &'static str,
    states: &[&str],
    queue: QueueView,
    query: &ListQuery,
    tz: Tz,
) -> QueueSection {
    let older = queue.next_cursor.map(|cursor| {
        let mut pairs = vec![(format!("{key}Cursor"), cursor)];
        if let Some(state) = &query.state {
            pairs.push(("state".to_string(), state.clone()));
        }
        if let Some(event_type) = &query.event_type {
            pairs.push(("type".to_string(), event_type.clone()));
        }
        format!(
            "/events?{}",
            serde_urlencoded::to_string(pairs).unwrap_or_default()
        )
    });
    QueueSection {
        key,
        title,
        // In the queue's own order (waiting states first), not alphabetically.
        counts: states
            .iter()
            .map(|state| {
                (
                    state.to_string(),
                    queue.counts.get(*state).copied().unwrap_or(0),
                )
            })
            .collect(),
        rows: queue
            .items
            .into_iter()
            .map(|e| EventRow::new(e, tz))
            .collect(),
        older,
    }
}

fn local(at: DateTime<Utc>, tz: Tz) -> String {
    super::present::local(at, tz)
}

/// The convert form: an optional title for the new item.
#[derive(Deserialize)]
pub struct ConvertForm {
    #[serde(default)]
    title: String,
}

/// A form with nothing but its CSRF token.
#[derive(Deserialize)]
pub struct NoFields {}

/// `POST /events/{id}/convert`
pub async fn post_event_convert(
    State(app): State<App>,
    IdPath(id): IdPath,
    client: ClientInfo,
    headers: HeaderMap,
    CsrfForm { user, form }: CsrfForm<ConvertForm>,
) -> Response {
    let input = ConvertInput {
        title: Some(form.title).filter(|t| !t.trim().is_empty()),
        ..ConvertInput::default()
    };
    match triage::convert(&app.db, &client.actor_for(&user), id, input).await {
        Ok(_) => redirect_with_flash(&app.settings, "/events", "Converted into a work item."),
        Err(error) => error_page(
            &app.settings,
            &Chrome::new(Some(&user), &headers),
            error.into(),
        ),
    }
}

/// `POST /events/{id}/dismiss`
pub async fn post_event_dismiss(
    State(app): State<App>,
    IdPath(id): IdPath,
    client: ClientInfo,
    headers: HeaderMap,
    CsrfForm { user, .. }: CsrfForm<NoFields>,
) -> Response {
    match triage::dismiss(&app.db, &client.actor_for(&user), id).await {
        Ok(_) => redirect_with_flash(&app.settings, "/events", "Dismissed."),
        Err(error) => error_page(
            &app.settings,
            &Chrome::new(Some(&user), &headers),
            error.into(),
        ),
    }
}

/// `POST /events/{id}/retry`
pub async fn post_event_retry(
    State(app): State<App>,
    IdPath(id): IdPath,
    client: ClientInfo,
    headers: HeaderMap,
    CsrfForm { user, .. }: CsrfForm<NoFields>,
) -> Response {
    match triage::retry(&app.db, &client.actor_for(&user), id).await {
        Ok(_) => redirect_with_flash(&app.settings, "/events", "Queued to run again."),
        Err(error) => error_page(
            &app.settings,
            &Chrome::new(Some(&user), &headers),
            error.into(),
        ),
    }
}
