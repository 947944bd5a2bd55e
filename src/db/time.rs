//! Timestamps as the database stores them.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

/// The current time truncated to microseconds, so SQLite (text) and PostgreSQL (`timestamptz`,
/// microsecond precision) hold exactly the same value and compare the same way.
pub fn now() -> DateTime<Utc> {
    truncate(Utc::now())
}

/// Truncates any instant to microseconds (see [`now`]).
pub fn truncate(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(at)
}
