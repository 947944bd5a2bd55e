//! Live updates across instances on PostgreSQL: one listener per instance hears the
//! `ops_item_changes` notifications that every instance's writes send (migration
//! `m0013_live_notify`), reads the changed items once, and hands them to every open stream of
//! this instance. While the listener is not connected, streams fall back to polling; each time
//! it (re)connects its generation number changes, which tells a stream to catch up with one
//! poll before it relies on the listener again, so a change made while it was away is not lost.
//! SQLite runs no listener: its streams always poll.

use std::{collections::HashSet, sync::Arc, time::Duration};

use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use tokio::sync::{Notify, broadcast, mpsc, watch};
use uuid::Uuid;

use super::ItemChange;
use crate::db::Db;

/// The channel the trigger of `m0013_live_notify` notifies (its payload is the item's id).
pub const CHANNEL: &str = "ops_item_changes";
/// Batches a stream may fall behind by before it catches up by polling instead.
const BACKLOG: usize = 256;
/// The longest wait between attempts to reconnect the listener.
const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// How often the listener checks that its connection still carries notifications. A dead
/// network path can leave a socket open but deaf; this bounds how long that goes unnoticed.
const HEARTBEAT: Duration = Duration::from_secs(10);
/// How long its own heartbeat notification may take to come back.
const HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(5);

/// A batch of changes, shared by every stream that receives it.
pub type Batch = Arc<[ItemChange]>;

/// Whether the listener is connected: `Some(generation)`, a number that changes on every
/// (re)connection, or `None` while streams must poll.
pub type Listening = Option<u64>;

/// What the instance's streams share: the changes the listener heard, and its state.
pub struct LiveHub {
    changes: broadcast::Sender<Batch>,
    listening: watch::Sender<Listening>,
}

/// One stream's view of the hub.
pub struct Subscription {
    pub changes: broadcast::Receiver<Batch>,
    pub listening: watch::Receiver<Listening>,
}

impl Default for LiveHub {
    fn default() -> Self {
        LiveHub {
            changes: broadcast::channel(BACKLOG).0,
            listening: watch::channel(None).0,
        }
    }
}

impl LiveHub {
    pub fn subscribe(&self) -> Subscription {
        Subscription {
            changes: self.changes.subscribe(),
            listening: self.listening.subscribe(),
        }
    }

    /// Whether the listener is connected now (for `/metrics`).
    pub fn is_listening(&self) -> bool {
        self.listening.borrow().is_some()
    }

    /// Keeps a listener connected to `url` until `shutdown` turns true, reconnecting with a
    /// growing pause (at most [`MAX_BACKOFF`]) whenever the connection is lost.
    pub async fn run_listener(
        self: Arc<Self>,
        db: Db,
        url: String,
        connect_limit: Duration,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let mut generation = 0;
        let mut backoff = Duration::from_millis(250);
        while !*shutdown.borrow() {
            match connect(&url, connect_limit).await {
                Ok(listener) => {
                    generation += 1;
                    backoff = Duration::from_millis(250);
                    self.listening.send_replace(Some(generation));
                    tracing::debug!(generation, "live-update listener connected");
                    self.pump(listener, &db, &mut shutdown).await;
                    self.listening.send_replace(None);
                    if *shutdown.borrow() {
                        break;
                    }
                    tracing::warn!(
                        "live-update listener lost its connection; streams poll until it is back"
                    );
                }
                Err(error) => {
                    tracing::warn!(%error, "live-update listener cannot connect; streams poll meanwhile");
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = shutdown.changed() => break,
            }
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// Passes notifications on until the connection fails, a read fails, the heartbeat does not
    /// come back, or shutdown. Reading the socket and querying run side by side, so
    /// notifications that arrive during a query are read together as one batch afterwards.
    async fn pump(&self, listener: PgListener, db: &Db, shutdown: &mut watch::Receiver<bool>) {
        let (ids_tx, ids_rx) = mpsc::unbounded_channel::<Uuid>();
        let ping = format!("heartbeat:{}", Uuid::now_v7());
        let pong = Notify::new();
        tokio::select! {
            _ = read(listener, ids_tx, &ping, &pong) => {}
            _ = self.publish(ids_rx, db) => {}
            _ = heartbeat(db, &ping, &pong) => {}
            _ = shutdown.changed() => {}
        }
    }

    /// Reads the changed items once per batch of ids and hands them to the streams; returns
    /// when a read fails, as the streams would otherwise miss those changes: they catch up.
    async fn publish(&self, mut ids_rx: mpsc::UnboundedReceiver<Uuid>, db: &Db) {
        while let Some(first) = ids_rx.recv().await {
            let mut ids = HashSet::from([first]);
            while let Ok(id) = ids_rx.try_recv() {
                ids.insert(id);
            }
            match super::changes_of(db, ids.into_iter().collect()).await {
                // No stream open is not an error.
                Ok(changes) if !changes.is_empty() => {
                    let _ = self.changes.send(changes.into());
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, "live updates could not read the changed items");
                    return;
                }
            }
        }
    }
}

/// Passes item ids on, and answers this listener's own heartbeat, until the connection is lost
/// (`Ok(None)`) or fails.
async fn read(
    mut listener: PgListener,
    ids_tx: mpsc::UnboundedSender<Uuid>,
    ping: &str,
    pong: &Notify,
) {
    while let Ok(Some(notification)) = listener.try_recv().await {
        let payload = notification.payload();
        if payload == ping {
            pong.notify_one();
        } else if let Ok(id) = Uuid::parse_str(payload) {
            if ids_tx.send(id).is_err() {
                return;
            }
        } else if !payload.starts_with("heartbeat:") {
            tracing::warn!(payload, "ignored a live-update notification");
        }
    }
}

/// Sends `ping` through the database every [`HEARTBEAT`] and returns when it does not come
/// back to this listener in time.
async fn heartbeat(db: &Db, ping: &str, pong: &Notify) {
    loop {
        tokio::time::sleep(HEARTBEAT).await;
        let send = db.conn().execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), ping.into()],
        ));
        match tokio::time::timeout(HEARTBEAT_TIMEOUT, send).await {
            Ok(Ok(_)) => {}
            Ok(Err(error)) => {
                tracing::warn!(%error, "live updates could not send their heartbeat");
                return;
            }
            Err(_) => {
                tracing::warn!("live updates could not send their heartbeat in time");
                return;
            }
        }
        if tokio::time::timeout(HEARTBEAT_TIMEOUT, pong.notified())
            .await
            .is_err()
        {
            tracing::warn!("the live-update listener stopped hearing notifications");
            return;
        }
    }
}

/// Connects and subscribes within `limit`. The listener opens its own connection outside the
/// pool, so the pool's connect timeout does not cover it; without this a connection opened
/// into a silent network would wait forever and the listener would never come back.
async fn connect(url: &str, limit: Duration) -> Result<PgListener, sea_orm::sqlx::Error> {
    let attempt = async {
        let mut listener = PgListener::connect(url).await?;
        // Reconnection is ours, so that streams hear about it and catch up.
        listener.eager_reconnect(false);
        listener.listen(CHANNEL).await?;
        Ok(listener)
    };
    tokio::time::timeout(limit, attempt)
        .await
        .unwrap_or_else(|_| {
            Err(sea_orm::sqlx::Error::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("no answer within {limit:?}"),
            )))
        })
}
