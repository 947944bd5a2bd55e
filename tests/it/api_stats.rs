//! The stats through the API, with known data: open items by status, owner and type, overdue,
//! due soon, waiting, awaiting proofing, completions per local week and the median cycle time.

use chrono::{DateTime, Datelike, Duration, NaiveDate, SecondsFormat, TimeZone, Utc};
use chrono_tz::Tz;
use ops_desktop::db::entities::work_item;
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{Value, json};

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp, TestOptions, personas,
        work::{call, create_item},
    },
};

const ZONE: &str = "America/New_York";

fn at(offset: Duration) -> String {
    (Utc::now() + offset).to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn id_of(item: &Value) -> uuid::Uuid {
    uuid::Uuid::parse_str(item["id"].as_str().unwrap()).unwrap()
}

/// The instant a local date starts in the test zone (no DST change happens at midnight there).
fn local_midnight(date: NaiveDate) -> DateTime<Utc> {
    let tz: Tz = ZONE.parse().unwrap();
    tz.from_local_datetime(&date.and_hms_opt(0, 0, 0).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

/// Makes a completed item that was created `hours` before `completed_at`.
async fn completed(
    app: &TestApp,
    who: &personas::Persona,
    title: &str,
    completed_at: DateTime<Utc>,
    hours: i64,
) {
    let item = create_item(app, who, json!({"title": title, "status": "DONE"})).await;
    let stored = work_item::Entity::find_by_id(id_of(&item))
        .one(app.db().conn())
        .await
        .unwrap()
        .unwrap();
    let mut changed: work_item::ActiveModel = stored.into();
    changed.completed_at = Set(Some(completed_at));
    changed.created_at = Set(completed_at - Duration::hours(hours));
    changed.update(app.db().conn()).await.unwrap();
}

async fn the_stats_count_known_data(backend: Backend) {
    let app = TestApp::spawn_with(
        backend,
        TestOptions {
            env: vec![("OPS_TIMEZONE".into(), ZONE.into())],
            ..Default::default()
        },
    )
    .await;
    let admin = personas::admin(&app).await;
    let staff = personas::staff(&app).await;
    let (staff_id, admin_id) = (staff.user.id.to_string(), admin.user.id.to_string());

    create_item(
        &app,
        &admin,
        json!({"title": "Overdue task", "ownerId": staff_id, "dueAt": at(Duration::days(-2))}),
    )
    .await;
    create_item(&app, &admin, json!({"title": "Soon", "type": "DELIVERABLE", "status": "IN_PROGRESS", "ownerId": staff_id, "needsProofing": true, "dueAt": at(Duration::days(3))})).await;
    create_item(&app, &admin, json!({"title": "Event", "type": "EVENT", "status": "PLANNED", "ownerId": admin_id, "startAt": at(Duration::days(1)), "dueAt": at(Duration::days(10))})).await;
    let waiting = create_item(&app, &admin, json!({"title": "Request", "type": "REQUEST", "waitingOnUserId": staff_id, "waitingReason": "needs the brief"})).await;
    create_item(&app, &admin, json!({"title": "Cancelled", "status": "CANCELLED", "ownerId": staff_id, "dueAt": at(Duration::days(-5))})).await;

    // Completions placed in known weeks (Mondays in New York).
    let tz: Tz = ZONE.parse().unwrap();
    let today = Utc::now().with_timezone(&tz).date_naive();
    let this_monday = today - Duration::days(today.weekday().num_days_from_monday().into());
    let monday = |weeks_back: i64| this_monday - Duration::weeks(weeks_back);
    completed(
        &app,
        &admin,
        "Done this week",
        Utc::now() - Duration::seconds(1),
        4,
    )
    .await;
    completed(
        &app,
        &admin,
        "Done last week",
        local_midnight(monday(1)) + Duration::hours(5),
        20,
    )
    .await;
    completed(
        &app,
        &admin,
        "Done 2 weeks ago (a)",
        local_midnight(monday(2)) + Duration::hours(1),
        10,
    )
    .await;
    completed(
        &app,
        &admin,
        "Done 2 weeks ago (b)",
        local_midnight(monday(2)) + Duration::days(2),
        30,
    )
    .await;
    completed(
        &app,
        &admin,
        "Done 11 weeks ago",
        local_midnight(monday(11)) + Duration::hours(3),
        100,
    )
    .await;
    completed(
        &app,
        &admin,
        "Done 12 weeks ago",
        local_midnight(monday(11)) - Duration::hours(1),
        5,
    )
    .await;

    let (status, body) = call(&app, &staff, Method::GET, "/api/stats", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let stats = &body["data"];
    assert_eq!(
        stats["openByStatus"],
        json!({"BACKLOG": 2, "PLANNED": 1, "IN_PROGRESS": 1, "IN_REVIEW": 0})
    );
    assert_eq!(
        stats["openByType"],
        json!({"TASK": 1, "DELIVERABLE": 1, "EVENT": 1, "REQUEST": 1})
    );
    assert_eq!(
        stats["openByOwner"],
        json!([
            {"ownerId": staff_id, "name": "sam.staff", "count": 2},
            {"ownerId": admin_id, "name": "ada.admin", "count": 1},
            {"ownerId": null, "name": null, "count": 1},
        ])
    );
    assert_eq!(stats["overdue"], 1);
    assert_eq!(stats["dueNext7Days"], 1);
    assert_eq!(stats["waiting"]["count"], 1);
    assert_eq!(stats["waiting"]["oldestSince"], waiting["waitingSince"]);
    assert_eq!(stats["awaitingProofing"], 1);

    let weeks = stats["completedPerWeek"].as_array().unwrap();
    assert_eq!(weeks.len(), 12);
    let starts: Vec<String> = weeks
        .iter()
        .map(|w| w["weekStart"].as_str().unwrap().to_string())
        .collect();
    let expected: Vec<String> = (0..12).rev().map(|back| monday(back).to_string()).collect();
    assert_eq!(
        starts, expected,
        "Mondays, oldest first, the current week last"
    );
    let counts: Vec<i64> = weeks.iter().map(|w| w["count"].as_i64().unwrap()).collect();
    assert_eq!(counts, vec![1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 1, 1]);

    // Completed in the last 30 days: 4, 20, 10 and 30 hours → the median is (10 + 20) / 2.
    assert_eq!(stats["medianCycleTimeHours"].as_f64(), Some(15.0));
    app.stop().await;
}

async fn an_empty_database_gives_zeros_and_nulls(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let (status, body) = call(&app, &staff, Method::GET, "/api/stats", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let stats = &body["data"];
    assert_eq!(stats["openByOwner"], json!([]));
    assert_eq!(stats["overdue"], 0);
    assert_eq!(stats["waiting"], json!({"count": 0, "oldestSince": null}));
    assert!(stats["medianCycleTimeHours"].is_null());
    assert_eq!(stats["completedPerWeek"].as_array().unwrap().len(), 12);
    assert!(
        stats["completedPerWeek"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["count"] == 0)
    );

    // An odd number of completions: the middle one.
    for hours in [1, 2, 9] {
        completed(&app, &staff, "done", Utc::now() - Duration::hours(1), hours).await;
    }
    let (_, body) = call(&app, &staff, Method::GET, "/api/stats", None).await;
    assert_eq!(body["data"]["medianCycleTimeHours"].as_f64(), Some(2.0));

    let (status, body) = call(&app, &staff, Method::GET, "/api/stats?window=7", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["details"]["window"].is_array(), "{body}");
    assert_eq!(
        app.get("/api/stats").await.status(),
        StatusCode::UNAUTHORIZED
    );
    app.stop().await;
}

on_both_backends!(
    the_stats_count_known_data,
    an_empty_database_gives_zeros_and_nulls
);
