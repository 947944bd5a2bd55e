//! How long sessions live: `SESSION_IDLE_MINUTES` and `SESSION_MAX_MINUTES`. The older
//! `SESSION_IDLE_DAYS` and `SESSION_MAX_DAYS` still work (converted to minutes) so existing
//! installations keep their choice; setting both spellings of one limit is refused, since
//! one of them would be silently ignored.

use super::{ConfigReport, rules::Lookup};

/// Idle limit when none is set: a working day with breaks, ended overnight (SECURITY.md).
pub const DEFAULT_IDLE_MINUTES: u32 = 12 * 60;
/// Absolute limit when none is set: everyone signs in again at least once a week.
pub const DEFAULT_MAX_MINUTES: u32 = 7 * 24 * 60;

const MINUTES_PER_DAY: u32 = 24 * 60;

/// `(idle, max)` in minutes, each above zero, idle not above max.
pub(super) fn read(lookup: Lookup<'_>, report: &mut ConfigReport) -> (u32, u32) {
    let idle = limit(
        lookup,
        report,
        ("SESSION_IDLE_MINUTES", "SESSION_IDLE_DAYS"),
        DEFAULT_IDLE_MINUTES,
    );
    let max = limit(
        lookup,
        report,
        ("SESSION_MAX_MINUTES", "SESSION_MAX_DAYS"),
        DEFAULT_MAX_MINUTES,
    );
    if idle > max {
        report.add(
            "SESSION_IDLE_MINUTES",
            format!(
                "the idle limit ({idle} minutes) must not exceed the absolute limit ({max} minutes)"
            ),
        );
    }
    (idle, max)
}

fn limit(
    lookup: Lookup<'_>,
    report: &mut ConfigReport,
    (minutes_name, days_name): (&'static str, &'static str),
    default: u32,
) -> u32 {
    match (lookup(minutes_name), lookup(days_name)) {
        (None, None) => default,
        (Some(_), Some(_)) => {
            report.add(
                days_name,
                format!("is the older spelling of {minutes_name}; set only {minutes_name}"),
            );
            default
        }
        (Some(raw), None) => whole_above_zero(&raw).unwrap_or_else(|| {
            report.add(
                minutes_name,
                format!("must be a whole number of minutes above 0, not `{raw}`"),
            );
            default
        }),
        (None, Some(raw)) => whole_above_zero(&raw)
            .and_then(|days| days.checked_mul(MINUTES_PER_DAY))
            .unwrap_or_else(|| {
                report.add(
                    days_name,
                    format!("must be a whole number of days above 0, not `{raw}`"),
                );
                default
            }),
    }
}

fn whole_above_zero(raw: &str) -> Option<u32> {
    raw.trim().parse::<u32>().ok().filter(|n| *n > 0)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use crate::config::Settings;

    fn limits(pairs: &[(&str, &str)]) -> Result<(u32, u32), crate::config::ConfigReport> {
        let vars: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_map(&vars).map(|s| (s.session_idle_minutes, s.session_max_minutes))
    }

    #[test]
    fn defaults_are_twelve_hours_idle_and_seven_days_in_all() {
        assert_eq!(limits(&[]).unwrap(), (720, 10_080));
    }

    #[test]
    fn minutes_are_read_as_minutes() {
        let set = [
            ("SESSION_IDLE_MINUTES", "15"),
            ("SESSION_MAX_MINUTES", "480"),
        ];
        assert_eq!(limits(&set).unwrap(), (15, 480));
    }

    #[test]
    fn the_older_day_settings_still_work() {
        let set = [("SESSION_IDLE_DAYS", "1"), ("SESSION_MAX_DAYS", "30")];
        assert_eq!(limits(&set).unwrap(), (1440, 43_200));
    }

    #[test]
    fn both_spellings_of_one_limit_are_refused() {
        let report =
            limits(&[("SESSION_IDLE_DAYS", "1"), ("SESSION_IDLE_MINUTES", "60")]).unwrap_err();
        assert!(report.mentions("SESSION_IDLE_DAYS"), "{report}");
    }

    #[test]
    fn nonsense_and_an_idle_limit_above_the_absolute_one_are_refused() {
        assert!(
            limits(&[("SESSION_IDLE_MINUTES", "0")])
                .unwrap_err()
                .mentions("SESSION_IDLE_MINUTES")
        );
        assert!(
            limits(&[("SESSION_MAX_MINUTES", "soon")])
                .unwrap_err()
                .mentions("SESSION_MAX_MINUTES")
        );
        let report = limits(&[
            ("SESSION_IDLE_MINUTES", "600"),
            ("SESSION_MAX_MINUTES", "60"),
        ])
        .unwrap_err();
        assert!(report.mentions("SESSION_IDLE_MINUTES"), "{report}");
    }
}
