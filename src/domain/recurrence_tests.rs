//! Tests of cadence recurrence: parsing and checking rules, expansion, and local due times
//! across DST changes.

use chrono::{NaiveDate, TimeZone, Utc};
use chrono_tz::America::New_York;

use super::*;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn rule(text: &str) -> RecurrenceRule {
    RecurrenceRule::parse(text, day(2026, 1, 1)).unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn common_rules_parse_with_or_without_prefix_and_start() {
    for text in [
        "FREQ=WEEKLY;BYDAY=TU",
        "RRULE:FREQ=WEEKLY;BYDAY=TU",
        "freq=monthly;bymonthday=-1",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH",
        "DTSTART:20260301\nRRULE:FREQ=DAILY",
        "DTSTART;VALUE=DATE:20260301\r\nFREQ=YEARLY;BYMONTH=3;BYMONTHDAY=1",
        "FREQ=DAILY;COUNT=3",
        "FREQ=DAILY;UNTIL=20270101T000000Z",
    ] {
        rule(text);
    }
}

#[test]
fn bad_rules_are_refused_with_a_reason() {
    let today = day(2026, 1, 1);
    for (text, says) in [
        ("", "required"),
        ("FREQ=SOMETIMES", "not a valid"),
        ("FREQ=WEEKLY;BYDAY=XX", "not a valid"),
        ("FREQ=HOURLY", "at most one item a day"),
        ("FREQ=DAILY;BYHOUR=9", "dueTime"),
        ("BYDAY=TU", "not a valid"),
        ("DTSTART:2026\nRRULE:FREQ=DAILY", "DTSTART must be a date"),
        ("FREQ=DAILY\nFREQ=WEEKLY", "one RRULE"),
        ("EXDATE:20260301T000000Z", "only DTSTART and RRULE"),
        ("FREQ=DAILY;UNTIL=20250101T000000Z", "not a valid"),
    ] {
        let error = RecurrenceRule::parse(text, today).expect_err(text);
        assert!(error.0.contains(says), "{text}: {error}");
    }
    assert!(RecurrenceRule::parse(&"FREQ=DAILY;".repeat(60), today).is_err());
}

#[test]
fn due_times_are_hh_mm() {
    assert_eq!(DueTime::parse("09:30").unwrap().to_string(), "09:30");
    assert_eq!(DueTime::parse(" 23:59 ").unwrap().to_string(), "23:59");
    for bad in ["9:30", "24:00", "12:60", "noon", "12:00:00", ""] {
        assert!(DueTime::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn weekly_and_last_day_of_month_rules_expand_over_dates() {
    let tuesdays = rule("FREQ=WEEKLY;BYDAY=TU");
    assert_eq!(
        tuesdays.dates_between(day(2026, 1, 1), day(2026, 3, 1), day(2026, 3, 17)),
        vec![day(2026, 3, 3), day(2026, 3, 10), day(2026, 3, 17)]
    );
    let month_ends = rule("FREQ=MONTHLY;BYMONTHDAY=-1");
    assert_eq!(
        month_ends.next_dates(day(2026, 1, 1), day(2026, 1, 15), 3),
        vec![day(2026, 1, 31), day(2026, 2, 28), day(2026, 3, 31)]
    );
}

#[test]
fn interval_and_count_follow_the_series_start() {
    let fortnightly = rule("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO");
    // Started on Thursday 2026-01-01: weeks count from that week (whose Monday is before the
    // start), so the series is the Mondays of the weeks after next, and so on (RFC 5545).
    assert_eq!(
        fortnightly.next_dates(day(2026, 1, 1), day(2026, 1, 1), 3),
        vec![day(2026, 1, 12), day(2026, 1, 26), day(2026, 2, 9)]
    );
    let started = rule("DTSTART:20260112\nRRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO");
    assert_eq!(
        started.next_dates(day(2026, 6, 1), day(2026, 1, 1), 2),
        vec![day(2026, 1, 12), day(2026, 1, 26)]
    );
    let three = rule("FREQ=DAILY;COUNT=3");
    assert_eq!(
        three.next_dates(day(2026, 1, 1), day(2026, 1, 1), 10).len(),
        3
    );
}

#[test]
fn due_times_keep_their_local_hour_across_dst() {
    let daily = rule("FREQ=DAILY");
    let schedule = Schedule {
        rule: &daily,
        due: DueTime::parse("10:00").unwrap(),
        created_on: day(2026, 1, 1),
        tz: New_York,
    };
    // 11:00 local on the 6th: that day's 10:00 has passed.
    let march = schedule.upcoming(Utc.with_ymd_and_hms(2026, 3, 6, 16, 0, 0).unwrap(), 4);
    let utc_hours: Vec<_> = march
        .iter()
        .map(|o| o.due_at.format("%d %H:%M").to_string())
        .collect();
    // EST (UTC-5) until 2026-03-08, EDT (UTC-4) from then on: 10:00 local both sides.
    assert_eq!(utc_hours, ["07 15:00", "08 14:00", "09 14:00", "10 14:00"]);
    let november = schedule.upcoming(Utc.with_ymd_and_hms(2026, 10, 30, 16, 0, 0).unwrap(), 4);
    let utc_hours: Vec<_> = november
        .iter()
        .map(|o| o.due_at.format("%d %H:%M").to_string())
        .collect();
    assert_eq!(utc_hours, ["31 14:00", "01 15:00", "02 15:00", "03 15:00"]);
    for occurrence in march.iter().chain(&november) {
        assert_eq!(
            occurrence
                .due_at
                .with_timezone(&New_York)
                .format("%H:%M")
                .to_string(),
            "10:00"
        );
    }
}

#[test]
fn a_due_time_in_a_dst_gap_moves_forward_and_a_repeated_one_takes_the_first() {
    let gap = due_instant(day(2026, 3, 8), DueTime::parse("02:30").unwrap(), New_York);
    assert_eq!(gap, Utc.with_ymd_and_hms(2026, 3, 8, 7, 30, 0).unwrap());
    assert_eq!(
        gap.with_timezone(&New_York).format("%H:%M").to_string(),
        "03:30"
    );
    let repeated = due_instant(day(2026, 11, 1), DueTime::parse("01:30").unwrap(), New_York);
    assert_eq!(
        repeated,
        Utc.with_ymd_and_hms(2026, 11, 1, 5, 30, 0).unwrap()
    );
}

#[test]
fn the_lead_window_runs_from_now_to_the_end_of_the_last_local_day() {
    let daily = rule("FREQ=DAILY");
    let schedule = Schedule {
        rule: &daily,
        due: DueTime::parse("10:00").unwrap(),
        created_on: day(2026, 1, 1),
        tz: New_York,
    };
    // 11:00 local on the 5th: today's 10:00 has passed; lead 2 reaches the 7th.
    let now = New_York
        .with_ymd_and_hms(2026, 3, 5, 11, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
    let dates: Vec<_> = schedule
        .in_lead_window(now, 2)
        .iter()
        .map(|o| o.date)
        .collect();
    assert_eq!(dates, vec![day(2026, 3, 6), day(2026, 3, 7)]);
    let early = New_York
        .with_ymd_and_hms(2026, 3, 5, 9, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(
        schedule.in_lead_window(early, 0).len(),
        1,
        "lead 0 means the day itself"
    );
    assert_eq!(
        cadence_key("weekly-newsletter", day(2026, 3, 5)),
        "weekly-newsletter:2026-03-05"
    );
}

#[test]
fn nothing_before_the_series_starts() {
    let daily = rule("FREQ=DAILY");
    assert_eq!(
        daily.dates_between(day(2026, 3, 10), day(2026, 3, 8), day(2026, 3, 11)),
        vec![day(2026, 3, 10), day(2026, 3, 11)]
    );
}

#[test]
fn until_as_a_plain_date_includes_that_day() {
    let until = rule("FREQ=DAILY;UNTIL=20260103");
    assert_eq!(
        until.next_dates(day(2026, 1, 1), day(2026, 1, 1), 10),
        vec![day(2026, 1, 1), day(2026, 1, 2), day(2026, 1, 3)]
    );
}
