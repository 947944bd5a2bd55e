//! Times as people read them: one format everywhere a person sees a time (pages, emails,
//! calendar descriptions, CSV exports), always 24-hour and always in the reader's zone.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The one way a time is written for a person: "Tue 8 Dec 2026, 09:00".
pub fn when(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz)
        .format("%a %-d %b %Y, %H:%M")
        .to_string()
}

/// A day on its own, in the same words: "Tue 8 Dec 2026".
pub fn day(date: NaiveDate) -> String {
    date.format("%a %-d %b %Y").to_string()
}

/// A zone's name as people read it: "America/New York".
pub fn zone_name(tz: Tz) -> String {
    tz.name().replace('_', " ")
}

/// What a typed time can be besides a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypedTimeError {
    /// Not written as a date and a time at all.
    NotATime,
    /// A wall-clock time the zone skips when its clocks go forward; says so in plain words.
    Skipped(String),
}

/// A time as a person types it (`2026-12-08 17:30`, 24-hour; the `T` form of `datetime-local`
/// too; a date alone is the start of that day) read in `tz`. Blank is `None`. A time in the
/// hour the clocks skip is refused, never moved; a time the clocks pass twice is the earlier.
pub fn parse_typed(raw: &str, tz: Tz) -> Result<Option<DateTime<Utc>>, TypedTimeError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    if let Ok(day) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        // A day that starts in a skipped hour starts when its clocks do.
        return crate::domain::local_day_start(day, tz)
            .map(Some)
            .ok_or(TypedTimeError::NotATime);
    }
    let naive = ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(raw, format).ok())
        .ok_or(TypedTimeError::NotATime)?;
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => Ok(Some(at.with_timezone(&Utc))),
        LocalResult::None => Err(TypedTimeError::Skipped(skipped(naive, tz))),
    }
}

/// "02:30 does not exist on Sun 8 Mar 2026 in America/New York: clocks jump from 02:00 to
/// 03:00. Choose a time outside that gap."
fn skipped(naive: NaiveDateTime, tz: Tz) -> String {
    let exists = |at: NaiveDateTime| !matches!(tz.from_local_datetime(&at), LocalResult::None);
    // Gaps are at most a few hours; a day bounds the walk either way.
    let minute = Duration::minutes(1);
    let mut start = naive;
    while !exists(start - minute) && naive - start < Duration::days(1) {
        start -= minute;
    }
    let mut end = naive;
    while !exists(end) && end - naive < Duration::days(1) {
        end += minute;
    }
    format!(
        "{} does not exist on {} in {}: clocks jump from {} to {}. \
         Choose a time outside that gap",
        naive.format("%H:%M"),
        day(naive.date()),
        zone_name(tz),
        start.format("%H:%M"),
        end.format("%H:%M"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_24_hour_in_the_readers_zone() {
        let at = Utc.with_ymd_and_hms(2026, 12, 8, 14, 0, 0).unwrap();
        assert_eq!(
            when(at, chrono_tz::America::New_York),
            "Tue 8 Dec 2026, 09:00"
        );
        assert_eq!(when(at, chrono_tz::Asia::Kolkata), "Tue 8 Dec 2026, 19:30");
        let evening = Utc.with_ymd_and_hms(2026, 12, 8, 22, 5, 0).unwrap();
        assert_eq!(when(evening, chrono_tz::UTC), "Tue 8 Dec 2026, 22:05");
        assert_eq!(
            day(NaiveDate::from_ymd_opt(2026, 12, 8).unwrap()),
            "Tue 8 Dec 2026"
        );
        assert_eq!(zone_name(chrono_tz::America::New_York), "America/New York");
    }

    #[test]
    fn typed_times_are_read_in_the_zone_and_blank_is_none() {
        let kolkata = chrono_tz::Asia::Kolkata;
        let at = |raw: &str| parse_typed(raw, kolkata).map(|t| t.map(|t| t.to_rfc3339()));
        assert_eq!(
            at("2026-12-08 09:00"),
            Ok(Some("2026-12-08T03:30:00+00:00".into()))
        );
        assert_eq!(
            at("2026-12-08T21:30"),
            Ok(Some("2026-12-08T16:00:00+00:00".into()))
        );
        assert_eq!(
            at(" 2026-12-08 "),
            Ok(Some("2026-12-07T18:30:00+00:00".into()))
        );
        assert_eq!(at("  "), Ok(None));
        assert_eq!(at("9pm"), Err(TypedTimeError::NotATime));
    }

    #[test]
    fn a_time_the_clocks_skip_is_refused_in_plain_words() {
        let new_york = chrono_tz::America::New_York;
        assert_eq!(
            parse_typed("2026-03-08 02:30", new_york),
            Err(TypedTimeError::Skipped(
                "02:30 does not exist on Sun 8 Mar 2026 in America/New York: clocks jump \
                 from 02:00 to 03:00. Choose a time outside that gap"
                    .into()
            ))
        );
        // The edges of the gap: 01:59 and 03:00 exist, 02:00 does not.
        assert!(parse_typed("2026-03-08 01:59", new_york).is_ok());
        assert!(parse_typed("2026-03-08 03:00", new_york).is_ok());
        assert!(parse_typed("2026-03-08T02:00", new_york).is_err());
        // Lord Howe Island moves its clocks by half an hour.
        let Err(TypedTimeError::Skipped(text)) =
            parse_typed("2026-10-04 02:10", chrono_tz::Australia::Lord_Howe)
        else {
            panic!("02:10 is skipped on Lord Howe Island");
        };
        assert!(text.contains("from 02:00 to 02:30"), "{text}");
    }

    #[test]
    fn a_time_the_clocks_pass_twice_is_the_earlier_without_a_word() {
        let new_york = chrono_tz::America::New_York;
        let at = parse_typed("2026-11-01 01:30", new_york).unwrap().unwrap();
        assert_eq!(at.to_rfc3339(), "2026-11-01T05:30:00+00:00");
    }
}
