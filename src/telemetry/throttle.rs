//! Keeps the log readable, and small, when the same thing goes wrong thousands of times a
//! second (a database outage under load): each distinct warning or error is written a few
//! times per window, the rest are counted, and when the window closes one line says how
//! many were left out ("… and 6,512 more in the last 10 s").
//!
//! Two events are "the same" when they come from the same place in the code with the same
//! message and fields, apart from fields that differ on every request (latency, who asked).
//! A place whose messages keep changing is capped as a whole too, so varying text cannot
//! flood the log either. Debug and info events are never held back.

use std::{
    collections::HashMap,
    fmt::Write as _,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use tracing::{Event, Level, Subscriber, callsite::Identifier, field::Field};
use tracing_subscriber::layer::{Context, Layer};

/// How long one counting window lasts.
pub const WINDOW: Duration = Duration::from_secs(10);
/// How many identical events a window lets through.
const PER_KIND: u32 = 5;
/// How many events from one place in the code a window lets through, whatever they say.
const PER_PLACE: u32 = 20;
/// The target of the summary lines, which are never held back themselves.
const SUMMARY_TARGET: &str = "ops_desktop::log_summary";
/// Fields that differ between otherwise identical events.
const VOLATILE_FIELDS: &[&str] = &["latency_ms", "user_id", "client_ip", "request_id"];
/// A summary quotes at most this much of what it counts.
const LABEL_CHARS: usize = 300;

/// Events counted in one window, and what to call them in the summary.
#[derive(Debug)]
struct Window {
    opened: Instant,
    seen: u32,
    held_back: u64,
    label: String,
}

/// What the ledger decided about one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Write,
    HoldBack,
}

/// A closed window that held something back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub label: String,
    pub held_back: u64,
}

/// The counting, separate from `tracing` so it can be tested with a clock of our own.
#[derive(Debug, Default)]
pub struct Ledger {
    kinds: HashMap<(Identifier, String), Window>,
    places: HashMap<Identifier, Window>,
}

impl Ledger {
    /// Counts one event from `place` whose message and fields read `text`. An event seen
    /// before in this window counts against its own kind; a new kind is written while its
    /// place has written fewer than [`PER_PLACE`] lines, and counted against the place after.
    pub fn admit(&mut self, place: Identifier, text: &str, now: Instant) -> Verdict {
        let key = (place.clone(), text.to_string());
        if let Some(kind) = self.kinds.get_mut(&key) {
            kind.seen = kind.seen.saturating_add(1);
            if kind.seen > PER_KIND {
                kind.held_back += 1;
                return Verdict::HoldBack;
            }
        }
        let place_window = self.places.entry(place).or_insert_with(|| Window {
            opened: now,
            seen: 0,
            held_back: 0,
            label: format!("{} (and similar)", clip(text)),
        });
        if place_window.seen >= PER_PLACE {
            place_window.held_back += 1;
            return Verdict::HoldBack;
        }
        place_window.seen += 1;
        self.kinds.entry(key).or_insert_with(|| Window {
            opened: now,
            seen: 1,
            held_back: 0,
            label: clip(text),
        });
        Verdict::Write
    }

    /// Closes the windows older than [`WINDOW`] and returns those that held something back.
    pub fn close_windows(&mut self, now: Instant) -> Vec<Summary> {
        let mut summaries = Vec::new();
        let mut close = |window: &Window| {
            let expired = now.duration_since(window.opened) >= WINDOW;
            if expired && window.held_back > 0 {
                summaries.push(Summary {
                    label: window.label.clone(),
                    held_back: window.held_back,
                });
            }
            !expired
        };
        self.kinds.retain(|_, window| close(window));
        self.places.retain(|_, window| close(window));
        summaries
    }
}

impl Summary {
    /// The line written for this summary.
    pub fn line(&self) -> String {
        format!(
            "{} … and {} more in the last {} s",
            self.label,
            thousands(self.held_back),
            WINDOW.as_secs()
        )
    }
}

/// The layer that holds events back; it shares its ledger with the thread that writes the
/// summaries.
#[derive(Clone, Default)]
pub struct Throttle {
    ledger: Arc<Mutex<Ledger>>,
}

impl Throttle {
    /// A throttle whose summaries a background thread writes once a second.
    pub fn start() -> Throttle {
        let throttle = Throttle::default();
        let ledger = throttle.ledger.clone();
        let spawned = std::thread::Builder::new()
            .name("log-summaries".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(Duration::from_secs(1));
                    // Taken out first: writing goes through the layer, which locks the ledger.
                    let due = lock(&ledger).close_windows(Instant::now());
                    for summary in due {
                        tracing::warn!(target: SUMMARY_TARGET, held_back = summary.held_back, "{}", summary.line());
                    }
                }
            });
        if let Err(error) = spawned {
            eprintln!("log summaries are off: {error}");
        }
        throttle
    }
}

impl<S: Subscriber> Layer<S> for Throttle {
    fn event_enabled(&self, event: &Event<'_>, _ctx: Context<'_, S>) -> bool {
        let metadata = event.metadata();
        // Levels order from ERROR (smallest) to TRACE; only warnings and errors are held back.
        if *metadata.level() > Level::WARN || metadata.target() == SUMMARY_TARGET {
            return true;
        }
        let mut text = Text(String::new());
        event.record(&mut text);
        let verdict = lock(&self.ledger).admit(metadata.callsite(), &text.0, Instant::now());
        verdict == Verdict::Write
    }
}

fn lock(ledger: &Mutex<Ledger>) -> std::sync::MutexGuard<'_, Ledger> {
    // A panic while counting leaves nothing half-done worth refusing to log over.
    ledger
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// An event's message and its stable fields, as one line.
struct Text(String);

impl tracing::field::Visit for Text {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if VOLATILE_FIELDS.contains(&field.name()) {
            return;
        }
        if !self.0.is_empty() {
            self.0.push(' ');
        }
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.0, "{}={value:?}", field.name());
        }
    }
}

fn clip(text: &str) -> String {
    match text.char_indices().nth(LABEL_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

/// `6512` as `6,512`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use tracing::callsite::Callsite;

    use super::*;

    struct Place;
    impl Callsite for Place {
        fn set_interest(&self, _: tracing::subscriber::Interest) {}
        fn metadata(&self) -> &tracing::Metadata<'_> {
            // The throttle tells places apart by their address and never reads their metadata.
            unreachable!("a test place has no metadata")
        }
    }
    static FIRST: Place = Place;
    static SECOND: Place = Place;

    fn place(callsite: &'static Place) -> Identifier {
        Identifier(callsite)
    }

    #[test]
    fn identical_events_are_written_a_few_times_then_counted() {
        let mut ledger = Ledger::default();
        let start = Instant::now();
        let verdicts: Vec<_> = (0..6517)
            .map(|_| ledger.admit(place(&FIRST), "database unavailable", start))
            .collect();
        assert_eq!(
            verdicts.iter().filter(|v| **v == Verdict::Write).count(),
            PER_KIND as usize
        );
        assert!(ledger.close_windows(start + WINDOW / 2).is_empty());
        let summaries = ledger.close_windows(start + WINDOW);
        assert_eq!(
            summaries,
            vec![Summary {
                label: "database unavailable".into(),
                held_back: 6512
            }]
        );
        assert_eq!(
            summaries[0].line(),
            "database unavailable … and 6,512 more in the last 10 s"
        );
        // A new window writes again.
        assert_eq!(
            ledger.admit(place(&FIRST), "database unavailable", start + WINDOW),
            Verdict::Write
        );
    }

    #[test]
    fn different_events_are_counted_apart_and_quiet_windows_say_nothing() {
        let mut ledger = Ledger::default();
        let now = Instant::now();
        for _ in 0..PER_KIND {
            assert_eq!(ledger.admit(place(&FIRST), "a", now), Verdict::Write);
            assert_eq!(ledger.admit(place(&FIRST), "b", now), Verdict::Write);
            assert_eq!(ledger.admit(place(&SECOND), "a", now), Verdict::Write);
        }
        assert!(ledger.close_windows(now + WINDOW).is_empty());
    }

    #[test]
    fn a_place_with_ever_changing_text_is_capped_as_a_whole() {
        let mut ledger = Ledger::default();
        let now = Instant::now();
        let written = (0..1000)
            .filter(|n| ledger.admit(place(&SECOND), &format!("error {n}"), now) == Verdict::Write)
            .count();
        assert_eq!(written, PER_PLACE as usize);
        let summaries = ledger.close_windows(now + WINDOW);
        assert_eq!(summaries.len(), 1);
        assert_eq!(summaries[0].held_back, 980);
        assert_eq!(summaries[0].label, "error 0 (and similar)");
    }

    #[test]
    fn counts_read_with_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(6512), "6,512");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
