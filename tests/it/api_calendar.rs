//! The calendar through the API: the next 14 days by default, cancelled items left out,
//! items on their local day across DST changes, every day of the range present, and bad
//! parameters named in a 422.

use chrono::{Duration, SecondsFormat, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp, TestOptions, personas,
        work::{call, create_item},
    },
};

/// The titles of each day, as `(date, [titles])`.
fn days(body: &Value) -> Vec<(String, Vec<String>)> {
    body["data"]["days"]
        .as_array()
        .expect("days")
        .iter()
        .map(|day| {
            let titles = day["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|item| item["title"].as_str().unwrap().to_string())
                .collect();
            (day["date"].as_str().unwrap().to_string(), titles)
        })
        .collect()
}

fn at(offset: Duration) -> String {
    (Utc::now() + offset).to_rfc3339_opts(SecondsFormat::Secs, true)
}

async fn the_calendar_returns_the_next_14_days_items(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    create_item(
        &app,
        &staff,
        json!({"title": "Due in 3 days", "dueAt": at(Duration::days(3))}),
    )
    .await;
    create_item(
        &app,
        &staff,
        json!({"title": "Due in 20 days", "dueAt": at(Duration::days(20))}),
    )
    .await;
    create_item(
        &app,
        &staff,
        json!({"title": "Cancelled", "status": "CANCELLED", "dueAt": at(Duration::days(3))}),
    )
    .await;
    create_item(&app, &staff, json!({"title": "Event in 2 days", "type": "EVENT", "startAt": at(Duration::days(2)), "dueAt": at(Duration::days(30))})).await;
    create_item(
        &app,
        &staff,
        json!({"title": "Starts in 5 days", "startAt": at(Duration::days(5))}),
    )
    .await;
    create_item(&app, &staff, json!({"title": "No dates"})).await;

    let (status, body) = call(&app, &staff, Method::GET, "/api/calendar", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let today = Utc::now().date_naive();
    assert_eq!(body["data"]["from"], today.to_string());
    assert_eq!(body["data"]["to"], (today + Duration::days(13)).to_string());
    assert_eq!(body["data"]["timezone"], "UTC");
    let days = days(&body);
    assert_eq!(days.len(), 14, "every day is present, empty ones too");
    for (index, (date, _)) in days.iter().enumerate() {
        assert_eq!(*date, (today + Duration::days(index as i64)).to_string());
    }
    let on = |offset: i64| days[offset as usize].1.clone();
    assert_eq!(on(3), vec!["Due in 3 days"]);
    assert_eq!(
        on(2),
        vec!["Event in 2 days"],
        "an event is placed by its start"
    );
    assert_eq!(
        on(5),
        vec!["Starts in 5 days"],
        "a start without a due date places it"
    );
    let all: Vec<String> = days.iter().flat_map(|(_, titles)| titles.clone()).collect();
    assert_eq!(all.len(), 3, "nothing else: {all:?}");
    // Whole items come back, in the work-item shape.
    assert_eq!(body["data"]["days"][3]["items"][0]["status"], "BACKLOG");
    app.stop().await;
}

async fn items_land_on_their_local_day_across_dst_changes(backend: Backend) {
    let app = TestApp::spawn_with(
        backend,
        TestOptions {
            env: vec![("OPS_TIMEZONE".into(), "America/New_York".into())],
            ..Default::default()
        },
    )
    .await;
    let staff = personas::staff(&app).await;
    // Spring forward on 2026-03-08 (EST −05:00 → EDT −04:00); fall back on 2026-11-01.
    for (title, due) in [
        ("A 03-07 23:30", "2026-03-07T23:30:00-05:00"),
        ("B 03-08 00:30", "2026-03-08T00:30:00-05:00"),
        ("C 03-08 23:30", "2026-03-08T23:30:00-04:00"),
        ("D 03-09 00:30", "2026-03-09T00:30:00-04:00"),
        ("E 10-31 23:30", "2026-10-31T23:30:00-04:00"),
        ("F 11-01 00:30", "2026-11-01T00:30:00-04:00"),
        ("G 11-01 23:30", "2026-11-01T23:30:00-05:00"),
        ("H 11-02 00:30", "2026-11-02T00:30:00-05:00"),
    ] {
        create_item(&app, &staff, json!({"title": title, "dueAt": due})).await;
    }
    // An event at 03:30 local, the first hour after the gap, placed by its start.
    create_item(&app, &staff, json!({"title": "I event 03-08 03:30", "type": "EVENT", "startAt": "2026-03-08T03:30:00-04:00", "dueAt": "2026-03-20T12:00:00Z"})).await;

    let get = |query: &'static str| {
        let (app, staff) = (&app, &staff);
        async move {
            let (status, body) = call(
                app,
                staff,
                Method::GET,
                &format!("/api/calendar?{query}"),
                None,
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{query}: {body}");
            body
        }
    };
    let strings = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();

    let spring = get("from=2026-03-07&to=2026-03-09").await;
    assert_eq!(spring["data"]["timezone"], "America/New_York");
    assert_eq!(
        days(&spring),
        vec![
            ("2026-03-07".to_string(), strings(&["A 03-07 23:30"])),
            (
                "2026-03-08".to_string(),
                strings(&["B 03-08 00:30", "I event 03-08 03:30", "C 03-08 23:30"])
            ),
            ("2026-03-09".to_string(), strings(&["D 03-09 00:30"])),
        ]
    );
    // The 23-hour day alone: its neighbours' late and early items stay out.
    let one_day = get("from=2026-03-08&to=2026-03-08").await;
    assert_eq!(
        days(&one_day),
        vec![(
            "2026-03-08".to_string(),
            strings(&["B 03-08 00:30", "I event 03-08 03:30", "C 03-08 23:30"])
        )]
    );

    let fall = get("from=2026-10-31&to=2026-11-02").await;
    assert_eq!(
        days(&fall),
        vec![
            ("2026-10-31".to_string(), strings(&["E 10-31 23:30"])),
            (
                "2026-11-01".to_string(),
                strings(&["F 11-01 00:30", "G 11-01 23:30"])
            ),
            ("2026-11-02".to_string(), strings(&["H 11-02 00:30"])),
        ]
    );
    // The 25-hour day alone.
    let one_day = get("from=2026-11-01&to=2026-11-01").await;
    assert_eq!(
        days(&one_day),
        vec![(
            "2026-11-01".to_string(),
            strings(&["F 11-01 00:30", "G 11-01 23:30"])
        )]
    );

    // A range across the change lists each date once, in order.
    let month = get("from=2026-02-20&to=2026-03-20").await;
    let dates: Vec<String> = days(&month).into_iter().map(|(date, _)| date).collect();
    assert_eq!(dates.len(), 29);
    assert_eq!(dates.first().unwrap(), "2026-02-20");
    assert_eq!(dates.iter().filter(|d| *d == "2026-03-08").count(), 1);
    assert_eq!(dates.last().unwrap(), "2026-03-20");
    app.stop().await;
}

async fn bad_parameters_are_named_in_a_422(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    for (query, field) in [
        ("from=26-11-2026", "from"),
        ("to=tomorrow", "to"),
        ("from=2026-03-10&to=2026-03-09", "to"),
        ("from=2026-01-01&to=2026-03-04", "to"),
        ("from=2026-01-01&from=2026-01-02", "from"),
        ("days=3", "days"),
    ] {
        let (status, body) = call(
            &app,
            &staff,
            Method::GET,
            &format!("/api/calendar?{query}"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert!(
            body["details"][field].is_array(),
            "{query} names {field}: {body}"
        );
    }
    // 62 days, both ends included, is the longest range.
    let (status, body) = call(
        &app,
        &staff,
        Method::GET,
        "/api/calendar?from=2026-01-01&to=2026-03-03",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["days"].as_array().unwrap().len(), 62);
    let anonymous = app.get("/api/calendar").await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

/// A busy day lists its first items in time order and counts the rest, so a range costs the
/// same however full it is; the page links the rest to the work list of that day.
async fn a_busy_day_lists_its_first_items_and_counts_the_rest(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let extra = 3;
    let total = ops_desktop::services::calendar::DAY_ITEMS + extra;
    // Created latest first, so the order shown is the time order, not the order of creation.
    for n in (0..total).rev() {
        create_item(
            &app,
            &staff,
            json!({"title": format!("Busy {n:02}"), "dueAt": format!("2030-01-12T09:{n:02}:00Z")}),
        )
        .await;
    }
    let (status, body) = call(
        &app,
        &staff,
        Method::GET,
        "/api/calendar?from=2030-01-10",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let busy = &body["data"]["days"][2];
    assert_eq!(busy["date"], "2030-01-12");
    let titles: Vec<&str> = busy["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["title"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = (0..ops_desktop::services::calendar::DAY_ITEMS)
        .map(|n| format!("Busy {n:02}"))
        .collect();
    assert_eq!(titles, expected, "the first items, in time order");
    assert_eq!(busy["more"], extra as u64);
    assert_eq!(body["data"]["days"][1]["more"], 0);

    let page = staff
        .client
        .get(app.url("/calendar?from=2030-01-10"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("+{extra} more")),
        "the page says how many more"
    );
    assert!(
        page.contains("/work?dueFrom=2030-01-12&") && page.contains("dueTo=2030-01-12"),
        "and links to them all"
    );
    let link = "/work?dueFrom=2030-01-12&dueTo=2030-01-12&sort=dueAt";
    let listed = staff
        .client
        .get(app.url(link))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        listed.contains("Busy 12") && listed.contains("Busy 00"),
        "the day's work list has every item"
    );
    app.stop().await;
}

on_both_backends!(
    a_busy_day_lists_its_first_items_and_counts_the_rest,
    the_calendar_returns_the_next_14_days_items,
    items_land_on_their_local_day_across_dst_changes,
    bad_parameters_are_named_in_a_422,
);
