//! `GET /api/stream`: Server-Sent Events carrying item changes, so another person's change
//! appears without a reload. On PostgreSQL the changes come from the instance's listener
//! (`services::live::hub`) as soon as any instance commits them; on SQLite, and on PostgreSQL
//! while the listener is reconnecting, each connection polls the database once a second, each
//! poll with a deadline. The stream ends after `STREAM_MAX_SECS` (the browser reconnects), when
//! the server shuts down so graceful shutdown is not held up, and when the session or token it
//! was opened with stops working (sign-out, deactivation, revocation, expiry): the request was
//! authenticated once, so the stream asks again while it runs.

use utoipa_axum::routes;

use crate::http::routes::{Access::*, Routes};
use std::{convert::Infallible, time::Duration};

use axum::{
    extract::State,
    response::sse::{Event, KeepAlive, Sse},
};
use futures_util::Stream;
use tokio::sync::broadcast::error::TryRecvError;
use tokio::time::Instant;

use crate::{
    app::App,
    auth::{api_tokens, sessions},
    db::time,
    http::extract::{AuthVia, CurrentUser},
    services::live::{
        self, ItemChange,
        hub::{Listening, Subscription},
    },
};

/// How often each open stream looks for changes while it polls.
const POLL: Duration = Duration::from_secs(1);
/// How often each open stream checks that its session or token still stands.
const AUTH_RECHECK: Duration = Duration::from_secs(2);

/// What one open stream carries from wake-up to wake-up.
struct StreamState {
    app: App,
    via: AuthVia,
    live: Subscription,
    /// The newest change sent; polling resumes from here.
    since: chrono::DateTime<chrono::Utc>,
    /// The listener generation this stream has caught up with (see `hub::Listening`).
    caught_up: Listening,
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
    let live = app.live.subscribe();
    // Opened now, so there is nothing earlier to catch up with.
    let caught_up = *live.listening.borrow();
    // The stream ends at `STREAM_MAX_SECS`; the browser's EventSource reconnects by itself.
    let ends_at = Instant::now() + app.settings.timeouts.stream_max;
    let state = StreamState {
        app,
        via: user.via,
        live,
        since: time::now(),
        caught_up,
        pending: Vec::new(),
        checked_at: Instant::now(),
    };
    let events = futures_util::stream::unfold(state, move |mut state| async move {
        loop {
            if let Some(event) = state.pending.pop() {
                return Some((Ok(event), state));
            }
            let mut shutdown = state.app.shutdown.clone();
            if *shutdown.borrow() {
                return None;
            }
            let listening = *state.live.listening.borrow_and_update();
            if listening.is_some() && listening == state.caught_up {
                tokio::select! {
                    heard = state.live.changes.recv() => match heard {
                        Ok(batch) => state.queue(&batch),
                        // Missed some: read them from the database instead.
                        Err(_) => state.caught_up = None,
                    },
                    _ = state.live.listening.changed() => {}
                    _ = tokio::time::sleep(AUTH_RECHECK) => {}
                    _ = tokio::time::sleep_until(ends_at) => return None,
                    _ = shutdown.changed() => return None,
                }
            } else {
                if listening.is_none() {
                    tokio::select! {
                        _ = tokio::time::sleep(POLL) => {}
                        _ = tokio::time::sleep_until(ends_at) => return None,
                        _ = shutdown.changed() => return None,
                    }
                }
                // What the listener passed on while this stream polled, the poll reads afresh.
                while !matches!(
                    state.live.changes.try_recv(),
                    Err(TryRecvError::Empty | TryRecvError::Closed)
                ) {}
                if state.poll().await {
                    state.caught_up = listening;
                }
            }
            if state.checked_at.elapsed() >= AUTH_RECHECK {
                if !still_allowed(&state.app, &state.via).await {
                    return None;
                }
                state.checked_at = Instant::now();
            }
        }
    });
    Sse::new(events).keep_alive(KeepAlive::default())
}

impl StreamState {
    /// Reads what changed since the last change sent; false when the database could not say.
    async fn poll(&mut self) -> bool {
        let read = live::changes_since(&self.app.db, self.since);
        match self.app.db.bounded(read).await {
            Ok(changes) => {
                self.queue(&changes);
                true
            }
            Err(error) => {
                tracing::warn!(%error, "live updates could not read changes");
                false
            }
        }
    }

    /// Queues `changes` (oldest first) to be sent in that order.
    fn queue(&mut self, changes: &[ItemChange]) {
        if let Some(newest) = changes.iter().map(|change| change.updated_at).max() {
            self.since = self.since.max(newest);
        }
        // `pending` pops from the end: newest first in it, so the oldest goes out first.
        let mut events: Vec<Event> = changes
            .iter()
            .rev()
            .filter_map(|change| Event::default().event("item").json_data(change).ok())
            .collect();
        events.append(&mut self.pending);
        self.pending = events;
    }
}

/// Whether the stream's session or token still works. A failed check ends the stream too:
/// the browser reconnects, and the new request is authenticated afresh.
async fn still_allowed(app: &App, via: &AuthVia) -> bool {
    let check = async {
        match via {
            AuthVia::Session { session_id, .. } => {
                sessions::is_live(app.db.conn(), *session_id, app.session_policy()).await
            }
            AuthVia::ApiToken { token_id } => api_tokens::is_live(app.db.conn(), *token_id).await,
        }
    };
    let live = app.db.bounded(check).await;
    live.unwrap_or_else(|error| {
        tracing::warn!(error = ?error, "the live stream could not recheck its sign-in");
        false
    })
}

/// This resource's routes, each with who may use it; paths and methods are those of the
/// handlers' `#[utoipa::path]`.
pub fn routes() -> Routes {
    Routes::new().api(SignedIn, routes!(get_stream))
}
