//! Times as people read them: one format everywhere a person sees a time (pages, emails,
//! calendar descriptions, CSV exports), always 24-hour and always in the reader's zone.

use chrono::{DateTime, NaiveDate, Utc};
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

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

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
}
