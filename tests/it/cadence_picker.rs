//! The cadence form's recurrence picker, as a browser without JavaScript sends it: the server
//! writes the rule from the picker's fields and the slug from the name; a picker choice that
//! makes no rule is refused with a sentence and saves nothing; a custom rule still works.

use ops_desktop::jobs::JobRegistry;
use reqwest::{Method, StatusCode};

use crate::{
    cadences_helpers::{create_template, spawn},
    on_both_backends,
    support::{Backend, personas, work::call},
};

async fn the_picker_writes_the_rule_and_the_name_the_slug(backend: Backend) {
    let app = spawn(backend, "UTC", JobRegistry::default()).await;
    let admin = personas::admin(&app).await;
    let template = create_template(&app, &admin).await;
    let base = [
        ("template_id", template.as_str()),
        ("owner_id", ""),
        ("rrule", ""),
        ("due_time", "09:30"),
        ("lead_days", "7"),
        ("active", "true"),
    ];

    // "Every other Monday and Wednesday", with no slug typed.
    let mut fields = base.to_vec();
    fields.extend([
        ("name", "Every other Monday: social posts"),
        ("slug", ""),
        ("repeat", "weekly"),
        ("interval", "2"),
        ("wd_mo", "true"),
        ("wd_we", "true"),
    ]);
    let created = admin.post_form(&app, "/cadences", &fields).await;
    assert_eq!(created.status(), StatusCode::FOUND);

    // The last Friday of each month.
    let mut fields = base.to_vec();
    fields.extend([
        ("name", "Month close"),
        ("slug", "close"),
        ("repeat", "monthly-weekday"),
        ("nth", "-1"),
        ("nth_weekday", "FR"),
    ]);
    let created = admin.post_form(&app, "/cadences", &fields).await;
    assert_eq!(created.status(), StatusCode::FOUND);

    // A day of the month that does not exist is refused, and nothing is saved.
    let mut fields = base.to_vec();
    fields.extend([
        ("name", "Quarterly review"),
        ("repeat", "quarterly"),
        ("month_day", "32"),
    ]);
    let refused = admin.post_form(&app, "/cadences", &fields).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(
        html.contains("the day of the month must be 1 to 31"),
        "{html}"
    );

    // The advanced field still takes a rule typed by hand.
    let mut fields = base.to_vec();
    fields.retain(|(name, _)| *name != "rrule");
    fields.extend([
        ("name", "Custom"),
        ("repeat", "custom"),
        ("rrule", "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=1"),
    ]);
    let created = admin.post_form(&app, "/cadences", &fields).await;
    assert_eq!(created.status(), StatusCode::FOUND);

    let (status, list) = call(&app, &admin, Method::GET, "/api/cadences", None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let items = list
        .as_array()
        .or_else(|| list["data"].as_array())
        .expect("a list of cadences")
        .clone();
    let find = |slug: &str| {
        items
            .iter()
            .find(|c| c["slug"] == slug)
            .unwrap_or_else(|| panic!("{slug} in {list}"))["rrule"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        find("every-other-monday-social-posts"),
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE"
    );
    assert_eq!(find("close"), "FREQ=MONTHLY;BYDAY=-1FR");
    assert_eq!(find("custom"), "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=1");
    assert_eq!(items.len(), 3, "the refused one was not saved: {list}");
}

on_both_backends!(the_picker_writes_the_rule_and_the_name_the_slug,);
