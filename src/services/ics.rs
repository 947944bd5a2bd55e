//! An RFC 5545 (iCalendar) writer for the calendar feeds: CRLF line endings, lines folded at 75
//! octets (never inside a UTF-8 character), TEXT values escaped, one `VEVENT` per item with a
//! stable `UID`, `DTSTAMP`, `CREATED`, `LAST-MODIFIED` and `SEQUENCE`.
//!
//! Times are written in UTC (`...Z`), so the feed needs no `VTIMEZONE`; all-day entries use the
//! local date in the feed owner's zone. Google Calendar, Outlook and Apple Calendar show `VEVENT`s from
//! a subscription but ignore `VTODO`s, which is why due dates are events too.

use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;

/// How a subscribed client should poll, in both the standard and Outlook's spelling.
const REFRESH: &str = "PT1H";
/// The longest line, in octets, before the CRLF (RFC 5545 §3.1).
const MAX_LINE_OCTETS: usize = 75;
/// How long an item with a start but no due time is shown.
const DEFAULT_EVENT_LENGTH: Duration = Duration::hours(1);

/// When an entry happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// From `start` to `end` (an instant when there is no end).
    Timed {
        start: DateTime<Utc>,
        end: Option<DateTime<Utc>>,
    },
    /// The whole local day.
    AllDay(NaiveDate),
}

impl When {
    /// Where an item goes: an item with a start is an event (until its due time, or for an
    /// hour); an item with only a due time is an entry at that time, or on that day when it is
    /// due at local midnight (a date without a time of day). `None` when it has neither.
    pub fn for_item(
        start_at: Option<DateTime<Utc>>,
        due_at: Option<DateTime<Utc>>,
        tz: Tz,
    ) -> Option<When> {
        match (start_at, due_at) {
            (Some(start), due) => Some(When::Timed {
                start,
                end: Some(
                    due.filter(|due| *due > start)
                        .unwrap_or(start + DEFAULT_EVENT_LENGTH),
                ),
            }),
            (None, Some(due)) => {
                let local = due.with_timezone(&tz);
                if local.num_seconds_from_midnight() == 0 {
                    Some(When::AllDay(local.date_naive()))
                } else {
                    Some(When::Timed {
                        start: due,
                        end: None,
                    })
                }
            }
            (None, None) => None,
        }
    }
}

/// One `VEVENT`.
#[derive(Debug, Clone)]
pub struct Event {
    /// Globally unique and stable across refreshes (derived from the item id).
    pub uid: String,
    pub summary: String,
    pub description: String,
    pub url: Option<String>,
    pub when: When,
    pub created: DateTime<Utc>,
    pub last_modified: DateTime<Utc>,
    /// Grows with every change, so clients replace their copy.
    pub sequence: i32,
}

/// A whole calendar.
#[derive(Debug, Clone)]
pub struct Calendar {
    pub name: String,
    pub timezone: Tz,
    /// When this copy was produced (`DTSTAMP` of every event, as RFC 5545 asks for a
    /// published calendar).
    pub stamp: DateTime<Utc>,
    pub events: Vec<Event>,
}

/// Escapes a TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines; other
/// control characters are not allowed in TEXT and are dropped.
pub fn escape_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.replace("\r\n", "\n").chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends `line` to `out`, folded into lines of at most 75 octets, each ending in CRLF;
/// continuation lines start with a space (RFC 5545 §3.1).
pub fn push_folded(out: &mut String, line: &str) {
    let mut budget = MAX_LINE_OCTETS;
    let mut used = 0;
    for c in line.chars() {
        if used + c.len_utf8() > budget {
            out.push_str("\r\n ");
            // The leading space counts toward the next line's 75 octets.
            budget = MAX_LINE_OCTETS - 1;
            used = 0;
        }
        out.push(c);
        used += c.len_utf8();
    }
    out.push_str("\r\n");
}

fn utc_stamp(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

fn date_value(date: NaiveDate) -> String {
    date.format("%Y%m%d").to_string()
}

fn push_event(out: &mut String, event: &Event, stamp: DateTime<Utc>) {
    let mut line = |text: String| push_folded(out, &text);
    line("BEGIN:VEVENT".into());
    line(format!("UID:{}", escape_text(&event.uid)));
    line(format!("DTSTAMP:{}", utc_stamp(stamp)));
    line(format!("CREATED:{}", utc_stamp(event.created)));
    line(format!("LAST-MODIFIED:{}", utc_stamp(event.last_modified)));
    line(format!("SEQUENCE:{}", event.sequence.max(0)));
    match event.when {
        When::Timed { start, end } => {
            line(format!("DTSTART:{}", utc_stamp(start)));
            if let Some(end) = end {
                line(format!("DTEND:{}", utc_stamp(end)));
            }
        }
        When::AllDay(date) => {
            line(format!("DTSTART;VALUE=DATE:{}", date_value(date)));
            let next = date.succ_opt().unwrap_or(date);
            line(format!("DTEND;VALUE=DATE:{}", date_value(next)));
            // A due date should not block the day in free/busy views.
            line("TRANSP:TRANSPARENT".into());
        }
    }
    line(format!("SUMMARY:{}", escape_text(&event.summary)));
    if !event.description.is_empty() {
        line(format!("DESCRIPTION:{}", escape_text(&event.description)));
    }
    if let Some(url) = &event.url {
        line(format!("URL:{}", url.replace(['\r', '\n'], "")));
    }
    line("END:VEVENT".into());
}

/// The calendar as iCalendar text.
pub fn render(calendar: &Calendar) -> String {
    let mut out = String::new();
    let name = escape_text(&calendar.name);
    for header in [
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        "PRODID:-//OPS Desktop//Calendar feed//EN".to_string(),
        "CALSCALE:GREGORIAN".to_string(),
        "METHOD:PUBLISH".to_string(),
        format!("NAME:{name}"),
        format!("X-WR-CALNAME:{name}"),
        format!("X-WR-TIMEZONE:{}", calendar.timezone.name()),
        format!("REFRESH-INTERVAL;VALUE=DURATION:{REFRESH}"),
        format!("X-PUBLISHED-TTL:{REFRESH}"),
    ] {
        push_folded(&mut out, &header);
    }
    for event in &calendar.events {
        push_event(&mut out, event, calendar.stamp);
    }
    push_folded(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use chrono_tz::America::New_York;

    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape_text("a,b;c\\d\r\ne\nf\u{7}"),
            "a\\,b\\;c\\\\d\\ne\\nf"
        );
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_characters() {
        let mut out = String::new();
        let line = format!("SUMMARY:{}", "é".repeat(100));
        push_folded(&mut out, &line);
        for physical in out.split_terminator("\r\n") {
            assert!(physical.len() <= 75, "{} octets", physical.len());
        }
        let unfolded = out.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, line);
    }

    #[test]
    fn items_are_placed_as_events_timed_entries_or_all_day_entries() {
        let start = Utc.with_ymd_and_hms(2026, 3, 2, 15, 0, 0).unwrap();
        let due = Utc.with_ymd_and_hms(2026, 3, 2, 17, 0, 0).unwrap();
        assert_eq!(
            When::for_item(Some(start), Some(due), New_York),
            Some(When::Timed {
                start,
                end: Some(due)
            })
        );
        assert_eq!(
            When::for_item(Some(start), None, New_York),
            Some(When::Timed {
                start,
                end: Some(start + Duration::hours(1))
            })
        );
        assert_eq!(
            When::for_item(None, Some(due), New_York),
            Some(When::Timed {
                start: due,
                end: None
            })
        );
        let midnight = New_York
            .with_ymd_and_hms(2026, 3, 9, 0, 0, 0)
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            When::for_item(None, Some(midnight), New_York),
            Some(When::AllDay(NaiveDate::from_ymd_opt(2026, 3, 9).unwrap()))
        );
        assert_eq!(When::for_item(None, None, New_York), None);
    }
}
