use super::*;

fn fields(repeat: &str) -> PickerFields {
    PickerFields {
        repeat: repeat.into(),
        ..PickerFields::default()
    }
}

#[test]
fn every_n_days_and_weeks() {
    assert_eq!(build_rrule(&fields("daily")).unwrap(), "FREQ=DAILY");
    let mut f = fields("daily");
    f.interval = "3".into();
    assert_eq!(build_rrule(&f).unwrap(), "FREQ=DAILY;INTERVAL=3");
    // "Every other Monday": weekdays come out in calendar order, each once.
    let mut f = fields("weekly");
    f.interval = "2".into();
    f.weekdays = vec!["we".into(), "MO".into(), "MO".into()];
    assert_eq!(
        build_rrule(&f).unwrap(),
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE"
    );
    assert_eq!(build_rrule(&fields("weekly")).unwrap(), "FREQ=WEEKLY");
}

#[test]
fn monthly_on_a_date_or_the_nth_weekday_and_quarterly() {
    let mut f = fields("monthly-date");
    f.month_day = "-1".into();
    assert_eq!(build_rrule(&f).unwrap(), "FREQ=MONTHLY;BYMONTHDAY=-1");
    let mut f = fields("monthly-weekday");
    f.nth = "2".into();
    f.nth_weekday = "TU".into();
    assert_eq!(build_rrule(&f).unwrap(), "FREQ=MONTHLY;BYDAY=2TU");
    f.nth = "-1".into();
    f.nth_weekday = "fr".into();
    assert_eq!(build_rrule(&f).unwrap(), "FREQ=MONTHLY;BYDAY=-1FR");
    let mut f = fields("quarterly");
    f.month_day = "15".into();
    assert_eq!(
        build_rrule(&f).unwrap(),
        "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=15"
    );
}

#[test]
fn every_rule_it_builds_is_one_the_recurrence_parser_accepts() {
    let mut weekly = fields("weekly");
    weekly.weekdays = vec!["TU".into(), "TH".into()];
    let mut nth = fields("monthly-weekday");
    nth.nth = "1".into();
    nth.nth_weekday = "MO".into();
    let mut quarterly = fields("quarterly");
    quarterly.month_day = "1".into();
    for f in [fields("daily"), weekly, nth, quarterly] {
        let rule = build_rrule(&f).unwrap();
        assert!(
            crate::domain::recurrence::RecurrenceRule::parse(
                &rule,
                chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
            )
            .is_ok(),
            "{rule} parses"
        );
    }
}

#[test]
fn bad_choices_are_refused_with_a_sentence() {
    let mut f = fields("daily");
    f.interval = "0".into();
    assert!(build_rrule(&f).unwrap_err().0.contains("1 to 366"));
    f.interval = "two".into();
    assert!(build_rrule(&f).is_err());
    let mut f = fields("weekly");
    f.weekdays = vec!["XX".into()];
    assert!(build_rrule(&f).unwrap_err().0.contains("not a weekday"));
    let mut f = fields("monthly-date");
    f.month_day = "32".into();
    assert!(build_rrule(&f).is_err());
    f.month_day = "0".into();
    assert!(build_rrule(&f).is_err());
    let mut f = fields("monthly-weekday");
    f.nth = "5".into();
    f.nth_weekday = "MO".into();
    assert!(build_rrule(&f).is_err());
    f.nth = "1".into();
    f.nth_weekday = String::new();
    assert!(build_rrule(&f).unwrap_err().0.contains("weekday"));
    assert!(build_rrule(&fields("")).is_err());
    assert!(build_rrule(&fields("yearly")).is_err());
}

#[test]
fn slugs_come_from_names() {
    assert_eq!(slug_from_name("Weekly blog post!"), "weekly-blog-post");
    assert_eq!(slug_from_name("  Café — résumé  2026 "), "cafe-resume-2026");
    assert_eq!(slug_from_name("---"), "");
    assert_eq!(slug_from_name("日本"), "");
    let long = slug_from_name(&"word ".repeat(30));
    assert!(long.len() <= 60 && !long.ends_with('-'), "{long}");
}
