//! Cadence recurrence (docs/PRODUCT.md §6): an RFC 5545 rule, a due time of day and the organisation's
//! time zone turned into the dates and instants a cadence falls due. No I/O.
//!
//! The `rrule` crate expands the rule over *calendar dates*: it runs in UTC from midnight, where
//! no day is ever 23 or 25 hours long, so the date sequence is exactly the local one. Each date
//! then gets the due time in the local zone through `chrono-tz`, which is what keeps a 10:00
//! item at 10:00 local on both sides of a DST change. A due time that a spring-forward gap
//! skips (02:30 on the night clocks jump from 02:00 to 03:00) moves forward by the gap; a time
//! that a fall-back repeats takes its first (earlier) instant.

use std::{fmt, str::FromStr};

use chrono::{
    DateTime, Duration, LocalResult, NaiveDate, NaiveTime, Offset, TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;
use rrule::{Frequency, RRule, RRuleSet, Unvalidated};

use super::ValidationError;

/// The longest rule text accepted.
pub const MAX_RULE_CHARS: usize = 500;
/// How many occurrences one expansion may produce at most.
pub const MAX_OCCURRENCES: u16 = 1000;

/// A due time of day, `HH:MM` on the 24-hour clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueTime(NaiveTime);

impl DueTime {
    /// Parses `HH:MM` (00:00 to 23:59).
    pub fn parse(raw: &str) -> Result<DueTime, ValidationError> {
        let raw = raw.trim();
        let invalid = || ValidationError::new("dueTime must be a time of day such as 09:30");
        if raw.len() != 5 || raw.as_bytes()[2] != b':' {
            return Err(invalid());
        }
        NaiveTime::parse_from_str(raw, "%H:%M")
            .map(DueTime)
            .map_err(|_| invalid())
    }

    pub fn time(self) -> NaiveTime {
        self.0
    }
}

impl fmt::Display for DueTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0.hour(), self.0.minute())
    }
}

/// A checked recurrence rule: `FREQ=WEEKLY;BYDAY=TU`, optionally `RRULE:`-prefixed, optionally
/// preceded by a `DTSTART:YYYYMMDD` line that fixes where the series starts (and so the phase
/// of `INTERVAL` and what `COUNT` counts from). Without it the series starts on the day the
/// cadence was created.
#[derive(Debug, Clone)]
pub struct RecurrenceRule {
    /// The text as the person wrote it (trimmed), which is what is stored and shown.
    text: String,
    rule: RRule<Unvalidated>,
    starts_on: Option<NaiveDate>,
}

impl PartialEq for RecurrenceRule {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

fn invalid(problem: impl fmt::Display) -> ValidationError {
    ValidationError::new(format!(
        "rrule is not a valid RFC 5545 recurrence rule: {problem}"
    ))
}

fn parse_start_line(line: &str) -> Result<NaiveDate, ValidationError> {
    let value = line
        .strip_prefix("DTSTART;VALUE=DATE:")
        .or_else(|| line.strip_prefix("DTSTART:"))
        .unwrap_or_default();
    NaiveDate::parse_from_str(value, "%Y%m%d")
        .ok()
        .filter(|_| value.len() == 8)
        .ok_or_else(|| invalid("DTSTART must be a date such as DTSTART:20260301"))
}

/// `UNTIL=20261231` (a date, or a time without `Z`) read as UTC: the rule is expanded over
/// dates from midnight UTC (see the module notes), so that is the "through that day" the person
/// meant, and the crate would otherwise read it in the server's own zone and refuse it.
fn floating_until_as_utc(rule_line: &str) -> String {
    let body = rule_line.strip_prefix("RRULE:").unwrap_or(rule_line);
    body.split(';')
        .map(|part| match part.strip_prefix("UNTIL=") {
            Some(value) if value.len() == 8 => format!("UNTIL={value}T000000Z"),
            Some(value) if value.len() == 15 => format!("UNTIL={value}Z"),
            _ => part.to_string(),
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// Midnight UTC of `date`, the start the rule is expanded from (see the module notes).
fn utc_midnight(date: NaiveDate) -> DateTime<rrule::Tz> {
    rrule::Tz::UTC.from_utc_datetime(&date.and_time(NaiveTime::MIN))
}

impl RecurrenceRule {
    /// Parses and checks a rule, as of `today` (the day a new cadence would start).
    pub fn parse(raw: &str, today: NaiveDate) -> Result<RecurrenceRule, ValidationError> {
        let text = raw.trim();
        if text.is_empty() {
            return Err(ValidationError::new(
                "rrule is required, e.g. FREQ=WEEKLY;BYDAY=TU",
            ));
        }
        if text.chars().count() > MAX_RULE_CHARS {
            return Err(ValidationError::new(format!(
                "rrule must be at most {MAX_RULE_CHARS} characters"
            )));
        }
        let mut starts_on = None;
        let mut rule_line = None;
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let upper = line.to_ascii_uppercase();
            if upper.starts_with("DTSTART") {
                if starts_on.replace(parse_start_line(&upper)?).is_some() {
                    return Err(invalid("DTSTART may appear only once"));
                }
            } else if rule_line.replace(upper).is_some() {
                return Err(invalid(
                    "give one RRULE (EXDATE, RDATE and EXRULE are not supported)",
                ));
            }
        }
        let Some(rule_line) = rule_line else {
            return Err(invalid("the RRULE is missing, e.g. FREQ=WEEKLY;BYDAY=TU"));
        };
        if rule_line.contains(':') && !rule_line.starts_with("RRULE:") {
            return Err(invalid("only DTSTART and RRULE lines are supported"));
        }
        let rule =
            RRule::<Unvalidated>::from_str(&floating_until_as_utc(&rule_line)).map_err(invalid)?;
        if !matches!(
            rule.get_freq(),
            Frequency::Daily | Frequency::Weekly | Frequency::Monthly | Frequency::Yearly
        ) {
            return Err(invalid(
                "FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY: a cadence makes at most one item a day",
            ));
        }
        if !rule.get_by_hour().is_empty()
            || !rule.get_by_minute().is_empty()
            || !rule.get_by_second().is_empty()
        {
            return Err(invalid(
                "BYHOUR, BYMINUTE and BYSECOND are not allowed: the time of day is the cadence's dueTime",
            ));
        }
        let parsed = RecurrenceRule {
            text: text.to_string(),
            rule,
            starts_on,
        };
        // The crate's own checks (UNTIL before the start, BYWEEKNO outside YEARLY, ...).
        parsed.set_from(today).map_err(|error| invalid(error.0))?;
        Ok(parsed)
    }

    /// The rule as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The first day of the series: the rule's own `DTSTART`, else `created_on`.
    pub fn starts_on(&self, created_on: NaiveDate) -> NaiveDate {
        self.starts_on.unwrap_or(created_on)
    }

    fn set_from(&self, start: NaiveDate) -> Result<RRuleSet, ValidationError> {
        let validated = self
            .rule
            .clone()
            .validate(utc_midnight(self.starts_on(start)))
            .map_err(|error| ValidationError::new(error.to_string()))?;
        Ok(RRuleSet::new(utc_midnight(self.starts_on(start))).rrule(validated))
    }

    /// The dates of the series started `created_on`, from `from` to `to` (both included), at
    /// most [`MAX_OCCURRENCES`].
    pub fn dates_between(
        &self,
        created_on: NaiveDate,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Vec<NaiveDate> {
        let Ok(set) = self.set_from(created_on) else {
            return Vec::new();
        };
        set.after(utc_midnight(from))
            .before(utc_midnight(to))
            .all(MAX_OCCURRENCES)
            .dates
            .into_iter()
            .map(|at| at.date_naive())
            .collect()
    }

    /// The first `count` dates of the series started `created_on` that are on or after `from`.
    pub fn next_dates(&self, created_on: NaiveDate, from: NaiveDate, count: u16) -> Vec<NaiveDate> {
        let Ok(set) = self.set_from(created_on) else {
            return Vec::new();
        };
        set.after(utc_midnight(from))
            .all(count.min(MAX_OCCURRENCES))
            .dates
            .into_iter()
            .map(|at| at.date_naive())
            .collect()
    }
}

/// The instant `date` at `due` local time in `tz`: a time skipped by a DST gap moves forward by
/// the gap, a repeated one takes its first instant.
pub fn due_instant(date: NaiveDate, due: DueTime, tz: Tz) -> DateTime<Utc> {
    let local = date.and_time(due.time());
    match tz.from_local_datetime(&local) {
        LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => at.with_timezone(&Utc),
        LocalResult::None => {
            // Read the wall time with the offset in force before the gap: that instant lies
            // after the gap and shows the wanted time moved forward by the gap's length.
            let before = tz
                .offset_from_utc_datetime(&(local - Duration::days(1)))
                .fix();
            (local - Duration::seconds(before.local_minus_utc().into())).and_utc()
        }
    }
}

/// One occurrence of a cadence: its local date and the instant it is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    pub date: NaiveDate,
    pub due_at: DateTime<Utc>,
}

/// The `cadenceKey` of an occurrence: `<slug>:<local date>`.
pub fn cadence_key(slug: &str, date: NaiveDate) -> String {
    format!("{slug}:{}", date.format("%Y-%m-%d"))
}

/// What a cadence needs to be expanded.
#[derive(Debug, Clone, Copy)]
pub struct Schedule<'a> {
    pub rule: &'a RecurrenceRule,
    pub due: DueTime,
    /// The local day the cadence was created (the series start when the rule has no DTSTART).
    pub created_on: NaiveDate,
    pub tz: Tz,
}

impl Schedule<'_> {
    fn occurrence(&self, date: NaiveDate) -> Occurrence {
        Occurrence {
            date,
            due_at: due_instant(date, self.due, self.tz),
        }
    }

    /// The next `count` occurrences due at or after `now`.
    pub fn upcoming(&self, now: DateTime<Utc>, count: u16) -> Vec<Occurrence> {
        let today = now.with_timezone(&self.tz).date_naive();
        // One extra date covers today's occurrence when it is already past.
        self.rule
            .next_dates(self.created_on, today, count.saturating_add(1))
            .into_iter()
            .map(|date| self.occurrence(date))
            .filter(|o| o.due_at >= now)
            .take(count.into())
            .collect()
    }

    /// The occurrences a generation run at `now` creates: not yet due, and due on a local day
    /// from today to `lead_days` after it.
    pub fn in_lead_window(&self, now: DateTime<Utc>, lead_days: u32) -> Vec<Occurrence> {
        let today = now.with_timezone(&self.tz).date_naive();
        let last = today
            .checked_add_signed(Duration::days(lead_days.into()))
            .unwrap_or(today);
        self.rule
            .dates_between(self.created_on, today, last)
            .into_iter()
            .map(|date| self.occurrence(date))
            .filter(|o| o.due_at >= now)
            .collect()
    }
}

#[cfg(test)]
#[path = "recurrence_tests.rs"]
mod tests;
