//! How long anything may wait: a request, a database statement, a connection from the pool,
//! and a streamed response. Every wait has a bound, so a database that goes silent costs
//! callers a prompt 503, not a hang.

use std::time::Duration;

use super::{ConfigReport, rules::Lookup};

/// The time limits in effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// `REQUEST_TIMEOUT_SECS`: a request not answered by then gets 503. Streamed bodies
    /// (live updates, CSV exports) start at once and are bounded by `stream_max` instead.
    pub request: Duration,
    /// `DATABASE_STATEMENT_TIMEOUT_SECS`: PostgreSQL cancels a statement running longer;
    /// background database work not answered by then is abandoned.
    pub statement: Duration,
    /// `DATABASE_ACQUIRE_TIMEOUT_SECS`: the longest wait for a pooled connection (or a new
    /// one), and on SQLite for the write lock (its busy timeout).
    pub acquire: Duration,
    /// `STREAM_MAX_SECS`: the longest a live-update stream or a CSV export runs.
    pub stream_max: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            request: Duration::from_secs(30),
            statement: Duration::from_secs(20),
            acquire: Duration::from_secs(5),
            stream_max: Duration::from_secs(15 * 60),
        }
    }
}

impl Timeouts {
    /// How long background work waits for one database step before giving up on it: a
    /// connection, then a statement.
    pub fn database_step(&self) -> Duration {
        self.acquire + self.statement
    }
}

/// Reads the limits, each a whole number of seconds above 0.
pub(super) fn read(lookup: Lookup<'_>, report: &mut ConfigReport) -> Timeouts {
    let defaults = Timeouts::default();
    let mut seconds = |name: &'static str, default: Duration| {
        Duration::from_secs(u64::from(super::rules::positive(
            lookup,
            report,
            name,
            default.as_secs() as u32,
        )))
    };
    Timeouts {
        request: seconds("REQUEST_TIMEOUT_SECS", defaults.request),
        statement: seconds("DATABASE_STATEMENT_TIMEOUT_SECS", defaults.statement),
        acquire: seconds("DATABASE_ACQUIRE_TIMEOUT_SECS", defaults.acquire),
        stream_max: seconds("STREAM_MAX_SECS", defaults.stream_max),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::config::Settings;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigReport> {
        Settings::from_map(
            &pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<HashMap<_, _>>(),
        )
    }

    #[test]
    fn defaults_bound_every_wait() {
        let timeouts = settings(&[]).unwrap().timeouts;
        assert_eq!(timeouts, Timeouts::default());
        assert_eq!(timeouts.request, Duration::from_secs(30));
        assert_eq!(timeouts.database_step(), Duration::from_secs(25));
    }

    #[test]
    fn limits_are_whole_seconds_above_zero() {
        let timeouts = settings(&[("REQUEST_TIMEOUT_SECS", "2"), ("STREAM_MAX_SECS", "60")])
            .unwrap()
            .timeouts;
        assert_eq!(timeouts.request, Duration::from_secs(2));
        assert_eq!(timeouts.stream_max, Duration::from_secs(60));
        for bad in ["0", "-1", "1.5", "soon"] {
            let report = settings(&[("DATABASE_STATEMENT_TIMEOUT_SECS", bad)]).unwrap_err();
            assert!(report.mentions("DATABASE_STATEMENT_TIMEOUT_SECS"), "{bad}");
        }
    }
}
