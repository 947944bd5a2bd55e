//! A cadence key claims one occurrence of a cadence. Staff cannot set one by hand (it would
//! block the cadence from creating that occurrence); cadence generation and admins can.

use chrono::{TimeZone, Utc};
use ops_desktop::{jobs::JobRegistry, services::cadences};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::{
    cadences_helpers::{create_cadence, create_template, items_of, spawn},
    on_both_backends,
    support::{Backend, personas, work::call},
};

async fn staff_cannot_claim_a_cadence_occurrence(backend: Backend) {
    let app = spawn(backend, "UTC", JobRegistry::default()).await;
    let admin = personas::admin(&app).await;
    let staff = personas::staff(&app).await;
    let template = create_template(&app, &admin).await;
    create_cadence(
        &app,
        &admin,
        json!({
            "name": "Daily check", "slug": "daily", "templateId": template,
            "rrule": "DTSTART:20260301\nRRULE:FREQ=DAILY", "dueTime": "10:00", "leadDays": 0,
        }),
    )
    .await;

    let (status, body) = call(
        &app,
        &staff,
        Method::POST,
        "/api/work-items",
        Some(json!({"title": "Squatter", "cadenceKey": "daily:2026-03-06"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(
        items_of(&app, "daily").await.is_empty(),
        "nothing was created"
    );

    let now = Utc.with_ymd_and_hms(2026, 3, 6, 7, 0, 0).unwrap();
    let report = cadences::generate(app.db(), chrono_tz::UTC, now)
        .await
        .unwrap();
    assert_eq!(report.created, 1, "{report:?}");
    let items = items_of(&app, "daily").await;
    assert_eq!(items.len(), 1);
    assert_ne!(
        items[0].title, "Squatter",
        "the cadence made its own occurrence"
    );

    let (status, body) = call(
        &app,
        &admin,
        Method::POST,
        "/api/work-items",
        Some(json!({"title": "Hand-made", "cadenceKey": "daily:2026-03-07"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "admins may set a key: {body}");
    assert_eq!(body["data"]["cadenceKey"], "daily:2026-03-07");
    app.stop().await;
}

on_both_backends!(staff_cannot_claim_a_cadence_occurrence);
