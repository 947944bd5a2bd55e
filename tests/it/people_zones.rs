//! Times outside the pages are in the reader's own zone and words: the CSV export, the API
//! calendar, calendar feeds, digests and overdue reminders. Priya reads in Asia/Kolkata (a
//! half-hour offset), Sam keeps the organisation's America/New_York.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::{America::New_York, Asia::Kolkata};
use ops_desktop::{
    db::entities::{notification, work_item},
    domain::local_time,
    services::email_notifications::{digest, overdue},
};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};

use crate::{
    email_notifications::choose,
    on_both_backends,
    support::{
        Backend, TestApp, TestOptions, personas,
        personas::Persona,
        smtp::SmtpServer,
        work::{call, create_item},
    },
};

/// Priya (who chooses Asia/Kolkata on her profile) and Sam (who never chooses).
async fn people(app: &TestApp) -> (Persona, Persona) {
    let priya = personas::persona(app, "priya@example.com", "STAFF").await;
    let response = priya
        .post_form(app, "/profile/time-zone", &[("time_zone", "Asia/Kolkata")])
        .await;
    assert!(response.status().is_redirection(), "{}", response.status());
    let sam = personas::staff(app).await;
    (priya, sam)
}

/// A server in New York time that mails through a real SMTP server.
async fn spawn(backend: Backend) -> (TestApp, SmtpServer) {
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn_with(
        backend,
        TestOptions {
            env: vec![
                ("OPS_TIMEZONE".into(), "America/New_York".into()),
                ("EMAIL_SERVER_HOST".into(), "127.0.0.1".into()),
                ("EMAIL_SERVER_PORT".into(), smtp.port.to_string()),
                ("EMAIL_SERVER_TLS".into(), "none".into()),
                ("EMAIL_FROM".into(), "OPS Desktop <ops@example.com>".into()),
            ],
            ..TestOptions::default()
        },
    )
    .await;
    (app, smtp)
}

async fn csv(app: &TestApp, who: &Persona, query: &str) -> Vec<String> {
    let response = who
        .client
        .get(app.url(&format!("/api/work-items.csv?{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    text.trim_end().split("\r\n").map(str::to_string).collect()
}

async fn get(app: &TestApp, who: &Persona, path: &str) -> Value {
    let (status, body) = call(app, who, Method::GET, path, None).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body
}

fn at(raw: &str) -> DateTime<Utc> {
    raw.parse().unwrap()
}

async fn exports_calendars_and_feeds_speak_in_the_readers_zone(backend: Backend) {
    let (app, _smtp) = spawn(backend).await;
    let (priya, sam) = people(&app).await;
    let piece = create_item(
        &app,
        &priya,
        json!({"title": "Winter mailing", "status": "IN_REVIEW", "priority": "HIGH",
        "type": "DELIVERABLE", "deliverableType": "EMAIL_CAMPAIGN",
        "ownerId": priya.user.id.to_string(), "dueAt": "2026-12-08T14:00:00Z",
        "needsProofing": true, "tags": ["zones"]}),
    )
    .await;
    // A finished item from before finishing cleared "waiting": it still names Sam.
    let done = create_item(
        &app,
        &priya,
        json!({"title": "Old print run", "status": "DONE", "tags": ["zones"]}),
    )
    .await;
    work_item::Entity::update_many()
        .col_expr(work_item::Column::WaitingOnUserId, Expr::value(sam.user.id))
        .col_expr(
            work_item::Column::WaitingReason,
            Expr::value("Sign-off".to_string()),
        )
        .filter(work_item::Column::Title.eq("Old print run"))
        .exec(app.db().conn())
        .await
        .unwrap();

    // The CSV: headings, labels and names people read; times in the reader's zone.
    let lines = csv(&app, &priya, "tag=zones&sort=dueAt").await;
    assert!(
        lines[0].starts_with("Key,Title,Type,Status,Priority,Owner,Starts,Due"),
        "{}",
        lines[0]
    );
    let row = lines.iter().find(|l| l.contains("Winter mailing")).unwrap();
    for expected in [
        "Deliverable",
        "In review",
        "High",
        "Email campaign",
        "Needs proofing",
        "\"Tue 8 Dec 2026, 19:30\"",
    ] {
        assert!(row.contains(expected), "{expected} in {row}");
    }
    let key = piece["key"].as_str().unwrap();
    assert!(
        row.starts_with(key) && row.contains(&format!("/work/{key}")),
        "{row}"
    );
    let owner = priya.user.name.as_str();
    assert!(row.contains(owner), "{row}");
    let machine = [
        "IN_REVIEW",
        "EMAIL_CAMPAIGN",
        "DELIVERABLE",
        "PENDING",
        "2026-12-08T",
    ];
    for code in machine.iter().chain([&priya.user.id.to_string().as_str()]) {
        assert!(!lines.join("\n").contains(code), "{code} in {lines:?}");
    }
    let finished = lines.iter().find(|l| l.contains("Old print run")).unwrap();
    assert!(
        !finished.contains(&sam.user.name) && !finished.contains("Sign-off"),
        "a Done item waits on nobody: {finished}"
    );
    assert!(finished.contains("No owner"), "{finished}");
    let sams = csv(&app, &sam, "tag=zones").await;
    assert!(
        sams.iter().any(|l| l.contains("\"Tue 8 Dec 2026, 09:00\"")),
        "{sams:?}"
    );
    let _ = done;

    // The API calendar counts days in the requester's zone: 20:00Z on the 8th is the 9th in
    // Kolkata (01:30) and still the 8th in New York (15:00).
    create_item(
        &app,
        &priya,
        json!({"title": "Late call", "dueAt": "2026-12-08T20:00:00Z"}),
    )
    .await;
    let day_of = |body: &Value| {
        body["data"]["days"]
            .as_array()
            .unwrap()
            .iter()
            .find(|day| {
                day["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|item| item["title"] == "Late call")
            })
            .map(|day| day["date"].as_str().unwrap().to_string())
    };
    let query = "/api/calendar?from=2026-12-07&to=2026-12-10";
    let hers = get(&app, &priya, query).await;
    assert_eq!(hers["data"]["timezone"], "Asia/Kolkata");
    assert_eq!(day_of(&hers).as_deref(), Some("2026-12-09"));
    let his = get(&app, &sam, query).await;
    assert_eq!(his["data"]["timezone"], "America/New_York");
    assert_eq!(day_of(&his).as_deref(), Some("2026-12-08"));

    // Her calendar feed: descriptions in words and her zone; a due date at her midnight is a
    // whole day.
    create_item(
        &app,
        &priya,
        json!({"title": "Renewal", "ownerId": priya.user.id.to_string(),
        "dueAt": "2026-12-10T18:30:00Z"}),
    )
    .await;
    let (status, feed) = call(
        &app,
        &priya,
        Method::POST,
        "/api/calendar/feeds",
        Some(json!({"name": "Mine"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{feed}");
    let ics = reqwest::get(feed["data"]["url"].as_str().unwrap())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let unfolded = ics.replace("\r\n ", "");
    assert!(
        unfolded.contains("X-WR-TIMEZONE:Asia/Kolkata"),
        "{unfolded}"
    );
    assert!(
        unfolded.contains("Status: In review · Priority: High · Due Tue 8 Dec 2026\\, 19:30"),
        "{unfolded}"
    );
    assert!(
        unfolded.contains("DTSTART;VALUE=DATE:20261211"),
        "{unfolded}"
    );
    assert!(
        !unfolded.contains("IN_REVIEW") && !unfolded.contains("HIGH"),
        "{unfolded}"
    );
    app.stop().await;
}

async fn digests_and_reminders_arrive_in_the_recipients_zone(backend: Backend) {
    let (app, smtp) = spawn(backend).await;
    let admin = personas::admin(&app).await;
    let (priya, sam) = people(&app).await;
    for who in [&priya, &sam] {
        choose(&app, who, "DIGEST", "9", &["on_assigned", "on_overdue"]).await;
        create_item(
            &app,
            &admin,
            json!({"title": format!("For {}", who.user.name), "ownerId": who.user.id.to_string()}),
        )
        .await;
    }

    // 03:00Z is 08:30 in Kolkata: too early. 04:00Z is 09:30 there (and 23:00 in New York).
    let run = |hour| {
        let app = app.app.clone();
        async move {
            let slot = Utc.with_ymd_and_hms(2026, 3, 5, hour, 0, 0).unwrap();
            digest::send_digests(&app.db, app.mailer.as_ref(), &app.settings, slot)
                .await
                .unwrap()
        }
    };
    assert_eq!(run(3).await.sent, 0);
    assert_eq!(run(4).await.sent, 1);
    let to_priya = smtp
        .wait_for_mail(&priya.user.email, std::time::Duration::from_secs(15))
        .await;
    let hers = notification::Entity::find()
        .filter(notification::Column::UserId.eq(priya.user.id))
        .one(app.db().conn())
        .await
        .unwrap()
        .unwrap();
    let text = to_priya.body_text();
    assert!(
        text.contains(&local_time::when(hers.created_at, Kolkata)),
        "the time of each entry in her zone: {text}"
    );
    // 14:00Z is 09:00 in New York: Sam's turn.
    assert_eq!(run(14).await.sent, 1);
    smtp.wait_for_mail(&sam.user.email, std::time::Duration::from_secs(15))
        .await;

    // The overdue reminder says when it was due in the owner's zone.
    let due = Utc::now() - TimeDelta::hours(1);
    create_item(
        &app,
        &admin,
        json!({"title": "Late piece", "ownerId": priya.user.id.to_string(),
        "dueAt": due.to_rfc3339()}),
    )
    .await;
    let flagged = overdue::flag_overdue(app.db(), New_York, Utc::now())
        .await
        .unwrap();
    assert_eq!(flagged, 1);
    let reminder = notification::Entity::find()
        .filter(notification::Column::Kind.eq("OVERDUE"))
        .one(app.db().conn())
        .await
        .unwrap()
        .unwrap();
    let due = at(&due.to_rfc3339());
    assert_eq!(
        reminder.body,
        format!(
            "“Late piece” is overdue (it was due {})",
            local_time::when(due, Kolkata)
        )
    );
    app.stop().await;
}

on_both_backends!(
    exports_calendars_and_feeds_speak_in_the_readers_zone,
    digests_and_reminders_arrive_in_the_recipients_zone,
);
