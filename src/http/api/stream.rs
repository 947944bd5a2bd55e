//! `GET /api/stream`: Server-Sent Events carrying item changes, so another person's change
//! appears without a reload. Each connection polls the database once a second; the stream
//! ends when the server shuts down so graceful shutdown is not held up.

use std::{convert::Infallible, time::Duration};

use axum::{
    extract::State,
    response::sse::{Event, KeepAlive, Sse},
};
use futures_util::Stream;

use crate::{app::App, db::time, http::extract::CurrentUser, services::live};

/// How often each open stream looks for changes.
const POLL: Duration = Duration::from_secs(1);

/// Item changes as `event: item` messages with a JSON body.
#[utoipa::path(get, path = "/api/stream", tag = "live",
    responses((status = 200, description = "text/event-stream of `item` events: {id, version, status, rank, title, updatedAt}", content_type = "text/event-stream")))]
pub async fn get_stream(
    State(app): State<App>,
    _user: CurrentUser,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let state = (app, time::now(), Vec::<Event>::new());
    let events = futures_util::stream::unfold(state, |(app, mut since, mut pending)| async move {
        loop {
            if let Some(event) = pending.pop() {
                return Some((Ok(event), (app, since, pending)));
            }
            let mut shutdown = app.shutdown.clone();
            if *shutdown.borrow() {
                return None;
            }
            tokio::select! {
                _ = tokio::time::sleep(POLL) => {}
                _ = shutdown.changed() => return None,
            }
            match live::changes_since(&app.db, since).await {
                Ok(changes) => {
                    if let Some(last) = changes.last() {
                        since = last.updated_at;
                    }
                    // Newest last in `changes`; `pending` pops from the end, so reverse.
                    pending = changes
                        .iter()
                        .rev()
                        .filter_map(|change| Event::default().event("item").json_data(change).ok())
                        .collect();
                }
                Err(error) => tracing::warn!(%error, "live updates could not read changes"),
            }
        }
    });
    Sse::new(events).keep_alive(KeepAlive::default())
}
