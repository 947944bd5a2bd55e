//! Calendar feeds: each person creates and revokes private ICS URLs of their items or of all
//! items; the feed is valid iCalendar (checked octet by octet and by an independent parser);
//! a revoked or unknown token is a 404.

use std::io::BufReader;

use ops_desktop::jobs::JobRegistry;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    cadences_helpers::spawn,
    on_both_backends,
    support::{
        Backend, TestApp, personas,
        personas::Persona,
        work::{call, create_item},
    },
};

type Event = ical::parser::ical::component::IcalEvent;

/// The value and parameters of `name` in `event`.
fn property<'a>(event: &'a Event, name: &str) -> Option<&'a ical::property::Property> {
    event.properties.iter().find(|p| p.name == name)
}

fn value(event: &Event, name: &str) -> String {
    property(event, name)
        .and_then(|p| p.value.clone())
        .unwrap_or_else(|| panic!("{name} missing"))
}

/// Undoes RFC 5545 TEXT escaping.
fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Fetches a feed without any cookie: the token is the only key.
async fn fetch(url: &str) -> reqwest::Response {
    reqwest::Client::new().get(url).send().await.unwrap()
}

/// Checks the raw text (CRLF everywhere, no line over 75 octets) and parses it.
fn parse(body: &str) -> ical::parser::ical::component::IcalCalendar {
    assert!(body.ends_with("\r\n"));
    for line in body.split_terminator("\r\n") {
        assert!(
            !line.contains('\n') && !line.contains('\r'),
            "bare line break in {line:?}"
        );
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
    }
    let mut calendars = ical::IcalParser::new(BufReader::new(body.as_bytes()));
    let calendar = calendars
        .next()
        .expect("one calendar")
        .expect("valid iCalendar");
    assert!(calendars.next().is_none());
    calendar
}

async fn create_feed(app: &TestApp, who: &Persona, body: Value) -> Value {
    let (status, created) = call(app, who, Method::POST, "/api/calendar/feeds", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["data"].clone()
}

async fn feeds_are_private_valid_icalendar_and_revocable(backend: Backend) {
    let app = spawn(backend, "America/New_York", JobRegistry::default()).await;
    let ana = personas::staff(&app).await;
    let ben = personas::persona(&app, "ben@example.com", "STAFF").await;
    let mine = ana.user.id.to_string();
    let long_title =
        "Launch, review; and \\ publish: the spring issue — with a title long enough to fold ✓ ✓ ✓";
    let event = create_item(
        &app,
        &ana,
        json!({"title": "Client workshop", "type": "EVENT", "ownerId": mine,
        "startAt": "2026-12-02T15:00:00Z", "dueAt": "2026-12-02T17:00:00Z"}),
    )
    .await;
    let timed = create_item(
        &app,
        &ana,
        json!({"title": long_title, "ownerId": mine,
        "description": "Line one\nLine two, with a comma", "dueAt": "2026-12-03T21:30:00Z"}),
    )
    .await;
    // Local midnight in New York: a due date without a time of day.
    let all_day = create_item(
        &app,
        &ana,
        json!({"title": "Renewal", "ownerId": mine, "dueAt": "2026-12-09T05:00:00Z"}),
    )
    .await;
    create_item(&app, &ana, json!({"title": "Called off", "ownerId": mine, "status": "CANCELLED", "dueAt": "2026-12-04T15:00:00Z"})).await;
    create_item(&app, &ana, json!({"title": "Someday", "ownerId": mine})).await;
    create_item(&app, &ben, json!({"title": "Ben's piece", "ownerId": ben.user.id.to_string(), "dueAt": "2026-12-05T15:00:00Z"})).await;

    let feed = create_feed(&app, &ana, json!({"name": "Work"})).await;
    assert_eq!(feed["scope"], "MINE");
    let url = feed["url"].as_str().unwrap().to_string();
    assert!(
        url.starts_with(&format!("{}/calendar/ops_cal_", app.base_url)) && url.ends_with(".ics"),
        "{url}"
    );

    let response = fetch(&url).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let body = response.text().await.unwrap();
    let calendar = parse(&body);
    let header = |name: &str| {
        calendar
            .properties
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value.clone())
    };
    assert_eq!(header("VERSION").as_deref(), Some("2.0"));
    assert!(header("PRODID").is_some());
    let summaries: Vec<String> = calendar
        .events
        .iter()
        .map(|e| unescape(&value(e, "SUMMARY")))
        .collect();
    assert_eq!(
        summaries.len(),
        3,
        "only Ana's dated, not cancelled items: {summaries:?}"
    );

    let by_title = |title: &str| {
        calendar
            .events
            .iter()
            .find(|e| unescape(&value(e, "SUMMARY")) == title)
            .unwrap()
    };
    for event in &calendar.events {
        for required in ["UID", "DTSTAMP", "LAST-MODIFIED", "DTSTART"] {
            assert!(
                property(event, required).is_some(),
                "{required} in {event:?}"
            );
        }
    }
    let workshop = by_title("Client workshop");
    assert_eq!(value(workshop, "DTSTART"), "20261202T150000Z");
    assert_eq!(value(workshop, "DTEND"), "20261202T170000Z");
    assert_eq!(
        value(workshop, "UID"),
        format!("{}@ops-desktop", event["id"].as_str().unwrap())
    );
    let folded = by_title(long_title);
    assert_eq!(value(folded, "DTSTART"), "20261203T213000Z");
    assert!(
        property(folded, "DTEND").is_none(),
        "a due time is an instant"
    );
    assert!(unescape(&value(folded, "DESCRIPTION")).contains("Line one\nLine two, with a comma"));
    let renewal = by_title("Renewal");
    let start = property(renewal, "DTSTART").unwrap();
    assert_eq!(start.value.as_deref(), Some("20261209"));
    assert_eq!(
        start.params.as_ref().unwrap()[0],
        ("VALUE".to_string(), vec!["DATE".to_string()])
    );
    assert_eq!(value(renewal, "DTEND"), "20261210");

    // UIDs are stable; a change shows in LAST-MODIFIED and SEQUENCE.
    let (status, _) = call(
        &app,
        &ana,
        Method::PATCH,
        &format!("/api/work-items/{}", timed["id"].as_str().unwrap()),
        Some(json!({"priority": "HIGH"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let again = parse(&fetch(&url).await.text().await.unwrap());
    let changed = again
        .events
        .iter()
        .find(|e| unescape(&value(e, "SUMMARY")) == long_title)
        .unwrap();
    assert_eq!(value(changed, "UID"), value(folded, "UID"));
    assert_ne!(value(changed, "SEQUENCE"), value(folded, "SEQUENCE"));
    let _ = all_day;

    // An ALL feed shows everyone's items.
    let everything = create_feed(&app, &ana, json!({"scope": "ALL"})).await;
    let all = parse(
        &fetch(everything["url"].as_str().unwrap())
            .await
            .text()
            .await
            .unwrap(),
    );
    assert_eq!(all.events.len(), 4);

    // Feeds are listed (without their URLs) and only their owner revokes them.
    let (_, listed) = call(&app, &ana, Method::GET, "/api/calendar/feeds", None).await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 2);
    assert!(listed["data"][0].get("url").is_none());
    let path = format!("/api/calendar/feeds/{}", feed["id"].as_str().unwrap());
    let (status, _) = call(&app, &ben, Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(&app, &ana, Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(fetch(&url).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        fetch(everything["url"].as_str().unwrap()).await.status(),
        StatusCode::OK
    );
    for bad in [
        "/calendar/ops_cal_nothing.ics",
        "/calendar/whatever",
        &url.replace(".ics", ""),
    ] {
        let bad = if bad.starts_with("http") {
            bad.to_string()
        } else {
            app.url(bad)
        };
        assert_eq!(fetch(&bad).await.status(), StatusCode::NOT_FOUND, "{bad}");
    }
    let (status, body) = call(
        &app,
        &ana,
        Method::POST,
        "/api/calendar/feeds",
        Some(json!({"scope": "TEAM"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

async fn the_profile_page_creates_and_revokes_feeds(backend: Backend) {
    let app = spawn(backend, "UTC", JobRegistry::default()).await;
    let ana = personas::staff(&app).await;
    let page = ana
        .post_form(
            &app,
            "/profile/calendar-feeds",
            &[("name", "Phone"), ("scope", "MINE")],
        )
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    let start = html
        .find("id=\"new-feed-url\">")
        .expect("the URL is shown once")
        + "id=\"new-feed-url\">".len();
    let url = html[start..].split('<').next().unwrap().to_string();
    assert_eq!(fetch(&url).await.status(), StatusCode::OK);

    let profile = ana
        .client
        .get(app.url("/profile"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        profile.contains("Phone") && !profile.contains(&url),
        "listed, but the URL is not shown again"
    );
    let (_, listed) = call(&app, &ana, Method::GET, "/api/calendar/feeds", None).await;
    let id = listed["data"][0]["id"].as_str().unwrap();
    let revoked = ana
        .post_form(&app, &format!("/profile/calendar-feeds/{id}/revoke"), &[])
        .await;
    assert_eq!(revoked.status(), StatusCode::FOUND);
    assert_eq!(fetch(&url).await.status(), StatusCode::NOT_FOUND);
}

on_both_backends!(
    feeds_are_private_valid_icalendar_and_revocable,
    the_profile_page_creates_and_revokes_feeds,
);
