//! Telling "the database cannot be reached or is overloaded right now" apart from "this
//! statement was wrong". The first is a dependency being down: callers answer 503 and try
//! again later. The second is a bug: a 500 with its cause logged.
//!
//! The decision is made from the error's type and its driver code, never from its text.

use sea_orm::{
    DbErr, RuntimeErr, SqlxPostgresError, SqlxSqliteError, sqlx, sqlx::error::DatabaseError as _,
};

/// Whether `error` means the database is unreachable, overloaded or timed out.
pub fn is_unavailable(error: &DbErr) -> bool {
    match error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(cause)) | DbErr::Query(RuntimeErr::SqlxError(cause)) => {
            sqlx_is_unavailable(cause)
        }
        _ => false,
    }
}

/// Whether any error in `error`'s chain is a database outage (see [`is_unavailable`]).
pub fn chain_is_unavailable(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause.downcast_ref::<DbErr>().is_some_and(is_unavailable)
            || cause
                .downcast_ref::<sqlx::Error>()
                .is_some_and(sqlx_is_unavailable)
    })
}

fn sqlx_is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(database) => {
            if let Some(postgres) = database.try_downcast_ref::<SqlxPostgresError>() {
                postgres_code_is_unavailable(postgres.code())
            } else if let Some(sqlite) = database.try_downcast_ref::<SqlxSqliteError>() {
                sqlite
                    .code()
                    .and_then(|code| code.parse::<i32>().ok())
                    .is_some_and(sqlite_code_is_unavailable)
            } else {
                false
            }
        }
        _ => false,
    }
}

/// PostgreSQL SQLSTATEs that say "not now" rather than "not this".
fn postgres_code_is_unavailable(sqlstate: &str) -> bool {
    // 08: connection exceptions; 53: out of connections, memory or disk;
    // 57014: statement_timeout (or a cancel); 57P01-57P05: the server is shutting down,
    // restarting or not accepting connections yet; 55P03: lock_timeout;
    // 25P03: the session was idle in a transaction too long.
    sqlstate.starts_with("08")
        || sqlstate.starts_with("53")
        || sqlstate.starts_with("57P")
        || matches!(sqlstate, "57014" | "55P03" | "25P03")
}

/// SQLite result codes (primary part of the extended code) that say "not now".
fn sqlite_code_is_unavailable(extended: i32) -> bool {
    const BUSY: i32 = 5;
    const LOCKED: i32 = 6;
    const IOERR: i32 = 10;
    const FULL: i32 = 13;
    const CANTOPEN: i32 = 14;
    matches!(extended & 0xff, BUSY | LOCKED | IOERR | FULL | CANTOPEN)
}

#[cfg(test)]
mod tests {
    use sea_orm::ConnAcquireErr;

    use super::*;

    #[test]
    fn pool_and_connection_failures_are_outages() {
        assert!(is_unavailable(&DbErr::ConnectionAcquire(
            ConnAcquireErr::Timeout
        )));
        assert!(is_unavailable(&DbErr::Conn(RuntimeErr::Internal(
            "gone".into()
        ))));
        let io = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        assert!(is_unavailable(&DbErr::Query(RuntimeErr::SqlxError(
            io.into()
        ))));
        assert!(is_unavailable(&DbErr::Exec(RuntimeErr::SqlxError(
            sqlx::Error::PoolTimedOut.into()
        ))));
    }

    #[test]
    fn statement_errors_are_not_outages() {
        assert!(!is_unavailable(&DbErr::RecordNotFound("x".into())));
        assert!(!is_unavailable(&DbErr::Query(RuntimeErr::SqlxError(
            sqlx::Error::RowNotFound.into()
        ))));
        assert!(!is_unavailable(&DbErr::Custom("bad".into())));
    }

    #[test]
    fn the_chain_is_searched() {
        let wrapped = anyhow::Error::from(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout))
            .context("loading the board");
        assert!(chain_is_unavailable(&wrapped));
        assert!(!chain_is_unavailable(&anyhow::anyhow!("template failed")));
    }

    #[test]
    fn driver_codes() {
        for code in [
            "08006", "53300", "57014", "57P01", "57P03", "55P03", "25P03",
        ] {
            assert!(postgres_code_is_unavailable(code), "{code}");
        }
        for code in ["23505", "23503", "42P01", "40001"] {
            assert!(!postgres_code_is_unavailable(code), "{code}");
        }
        // SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT (517), SQLITE_IOERR_READ (266)
        for code in [5, 517, 266, 14] {
            assert!(sqlite_code_is_unavailable(code), "{code}");
        }
        // SQLITE_CONSTRAINT_UNIQUE (2067), SQLITE_ERROR
        for code in [2067, 1] {
            assert!(!sqlite_code_is_unavailable(code), "{code}");
        }
    }
}
