//! `GET /api/stream`: Server-Sent Events carrying item changes, so another person's change
//! appears without a reload. Each connection polls the database once a second; the stream
//! ends when the server shuts down so graceful shutdown is not held up, and when the session
//! or token it was opened with stops working (sign-out, deactivation, revocation, expiry):
//! the request was authenticated once, so the stream asks again while it runs.

use std::{convert::Infallible, time::Duration};

use axum::{
    extract::State,
    response::sse::{Event, KeepAlive, Sse},
};
use futures_util::Stream;
use tokio::time::Instant;

use crate::{
    app::App,
    auth::{api_tokens, sessions},
    db::time,
    http::extract::{AuthVia, CurrentUser},
    services::live,
};

/// How often each open stream looks for changes.
const POLL: Duration = Duration::from_secs(1);
/// How often each open stream checks that its session or token still stands.
const AUTH_RECHECK: Duration = Duration::from_secs(2);

/// What one open stream carries from poll to poll.
struct StreamState {
    app: App,
    via: AuthVia,
    since: chrono::DateTime<chrono::Utc>,
    pending: Vec<Event>,
    checked_at: Instant,
}

/// Item changes as `event: item` messages with a JSON body.
#[utoipa::path(get, path = "/api/stream", tag = "live",
    responses((status = 200, description = "text/event-stream of `item` events: {id, version, status, rank, title, updatedAt}; ends when the session or token stops working", content_type = "text/event-stream")))]
pub async fn get_stream(
    State(app): State<App>,
    user: CurrentUser,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let state = StreamState {
        app,
        via: user.via,
        since: time::now(),
        pending: Vec::new(),
        checked_at: Instant::now(),
    };
    let events = futures_util::stream::unfold(state, |mut state| async move {
        loop {
            if let Some(event) = state.pending.pop() {
                return Some((Ok(event), state));
            }
            let mut shutdown = state.app.shutdown.clone();
            if *shutdown.borrow() {
                return None;
            }
            tokio::select! {
                _ = tokio::time::sleep(POLL) => {}
                _ = shutdown.changed() => return None,
            }
            if state.checked_at.elapsed() >= AUTH_RECHECK {
                if !still_allowed(&state.app, &state.via).await {
                    return None;
                }
                state.checked_at = Instant::now();
            }
            match live::changes_since(&state.app.db, state.since).await {
                Ok(changes) => {
                    if let Some(last) = changes.last() {
                        state.since = last.updated_at;
                    }
                    // Newest last in `changes`; `pending` pops from the end, so reverse.
                    state.pending = changes
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

/// Whether the stream's session or token still works. A failed check ends the stream too:
/// the browser reconnects, and the new request is authenticated afresh.
async fn still_allowed(app: &App, via: &AuthVia) -> bool {
    let live = match via {
        AuthVia::Session { session_id, .. } => {
            sessions::is_live(app.db.conn(), *session_id, app.session_policy()).await
        }
        AuthVia::ApiToken { token_id } => api_tokens::is_live(app.db.conn(), *token_id).await,
    };
    live.unwrap_or_else(|error| {
        tracing::warn!(error = ?error, "the live stream could not recheck its sign-in");
        false
    })
}
