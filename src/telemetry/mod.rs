//! Logging set-up: pretty lines in development, JSON with `LOG_FORMAT=json`; repeated
//! warnings and errors summarised (see `throttle.rs`).

use std::io::IsTerminal;

use tracing_subscriber::{EnvFilter, fmt, layer::SubscriberExt, util::SubscriberInitExt};

use crate::config::LogFormat;

/// Installs the global subscriber. Safe to call more than once (later calls do nothing), so
/// commands and tests can both call it.
pub fn init(level: &str, format: LogFormat) {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| install(level, format));
}

fn install(level: &str, format: LogFormat) {
    let filter = EnvFilter::try_new(level).unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry()
        .with(filter)
        .with(throttle::Throttle::start());
    let _ = match format {
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false),
            )
            .try_init(),
        // Colour only for a person at a terminal: piped into a file or a log collector, escape
        // codes would be written into every line.
        LogFormat::Pretty => registry
            .with(
                fmt::layer()
                    .compact()
                    .with_ansi(std::io::stdout().is_terminal()),
            )
            .try_init(),
    };
}

pub mod metrics;
pub mod throttle;
