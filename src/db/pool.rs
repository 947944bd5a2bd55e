//! The connection pool's settings: sizes, time limits, and what each connection is told.
//!
//! Every wait is bounded. Taking a connection (or opening one) waits at most the acquire
//! timeout; on SQLite that is also how long a writer waits for the write lock. PostgreSQL
//! cancels a statement after `statement_timeout`, ends a session left idle inside a
//! transaction (so locks held by a vanished client come free), and probes idle links with
//! TCP keepalives from its side. The driver offers no socket options on our side, so a
//! silent link is detected by our own deadlines: the request timeout, [`super::Db::bounded`],
//! and the check below when a connection comes back to the pool.

use std::time::Duration;

use sea_orm::{ConnectOptions, sqlx};

use crate::config::{DatabaseUrl, Timeouts};

/// Server-side keepalive: the first probe after this much idle time, then every
/// `KEEPALIVE_INTERVAL`, giving up after `KEEPALIVE_COUNT` unanswered probes. Only the server's
/// side can have it: sqlx 0.9 exposes no socket options for the connections it opens, so our
/// side of a silent link is bounded by the request timeout, the statement timeout and the
/// acquire timeout instead (all far shorter than a keepalive; docs/RUNBOOK.md, "When the
/// database goes silent").
const KEEPALIVE_IDLE_SECS: u32 = 30;
const KEEPALIVE_INTERVAL_SECS: u32 = 10;
const KEEPALIVE_COUNT: u32 = 3;

/// The pool options for `url` under `limits`.
pub(super) fn options(url: &DatabaseUrl, limits: &Timeouts) -> ConnectOptions {
    let mut options = ConnectOptions::new(url.expose().to_string());
    options
        .sqlx_logging(false)
        .connect_timeout(limits.acquire)
        .acquire_timeout(limits.acquire);
    match url {
        DatabaseUrl::Sqlite { .. } => {
            let busy = limits.acquire;
            options.max_connections(8).min_connections(1);
            options.map_sqlx_sqlite_opts(move |opts| {
                opts.create_if_missing(true)
                    .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                    .busy_timeout(busy)
                    .foreign_keys(true)
                    // FULL: a webhook acknowledged to its sender must survive a power cut.
                    .synchronous(sqlx::sqlite::SqliteSynchronous::Full)
            });
        }
        DatabaseUrl::Postgres { .. } => {
            let statement = limits.statement;
            let release_check = limits.acquire;
            options.max_connections(16).min_connections(0);
            options.map_sqlx_postgres_opts(move |opts| opts.options(session_settings(statement)));
            options.map_sqlx_postgres_pool_opts(move |pool| {
                pool.after_release(move |conn, _| {
                    Box::pin(async move { Ok(answers_within(conn, release_check).await) })
                })
            });
        }
    }
    options
}

/// The settings each PostgreSQL session starts with, sent in the startup packet (no extra
/// round trip).
fn session_settings(statement: Duration) -> Vec<(&'static str, String)> {
    let millis = statement.as_millis();
    vec![
        ("statement_timeout", millis.to_string()),
        // Longer than any request may take, so only an abandoned transaction hits it.
        (
            "idle_in_transaction_session_timeout",
            (millis * 3).to_string(),
        ),
        // The server drops a session whose client vanished, freeing its locks (see above for
        // why our own side has no keepalive).
        ("tcp_keepalives_idle", KEEPALIVE_IDLE_SECS.to_string()),
        (
            "tcp_keepalives_interval",
            KEEPALIVE_INTERVAL_SECS.to_string(),
        ),
        ("tcp_keepalives_count", KEEPALIVE_COUNT.to_string()),
    ]
}

/// Whether a connection coming back to the pool still answers within `limit`. A request
/// that timed out may hand back a connection in the middle of a statement on a link that
/// went silent; the pool's own check would wait for it forever, holding a pool slot, so it
/// is checked here with a deadline and closed when it does not answer.
async fn answers_within(conn: &mut sqlx::PgConnection, limit: Duration) -> bool {
    use sqlx::Connection;
    matches!(tokio::time::timeout(limit, conn.ping()).await, Ok(Ok(())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_get_the_statement_timeout_and_keepalives() {
        let settings = session_settings(Duration::from_secs(20));
        let get = |name: &str| {
            settings
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.clone())
        };
        assert_eq!(get("statement_timeout").as_deref(), Some("20000"));
        assert_eq!(
            get("idle_in_transaction_session_timeout").as_deref(),
            Some("60000")
        );
        assert_eq!(get("tcp_keepalives_idle").as_deref(), Some("30"));
    }
}
