//! Cadences through the API and the pages: validation with a clear 422 for a bad rule,
//! admins edit and everyone reads, and a preview of the next occurrences in `OPS_TIMEZONE`
//! that keeps the local due time across DST changes.

use ops_desktop::jobs::JobRegistry;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    cadences_helpers::{create_cadence, create_template, spawn},
    on_both_backends,
    support::{Backend, personas, work::call},
};

fn problems(body: &Value, field: &str) -> String {
    body["details"][field].to_string()
}

async fn only_admins_edit_everyone_reads_and_bad_input_is_refused(backend: Backend) {
    let app = spawn(backend, "UTC", JobRegistry::default()).await;
    let admin = personas::admin(&app).await;
    let staff = personas::staff(&app).await;
    let template = create_template(&app, &admin).await;
    let valid = json!({
        "name": "Weekly newsletter", "slug": "weekly-newsletter", "templateId": template,
        "ownerId": staff.user.id.to_string(), "rrule": "FREQ=WEEKLY;BYDAY=TU",
        "dueTime": "10:00", "leadDays": 14, "active": true,
    });

    // A bad rule is a 422 that says what is wrong; every other problem comes with it.
    let mut bad = valid.clone();
    bad["rrule"] = json!("FREQ=SOMETIMES;BYDAY=TU");
    bad["dueTime"] = json!("25:00");
    bad["leadDays"] = json!(-1);
    bad["templateId"] = json!(uuid::Uuid::now_v7().to_string());
    bad["slug"] = json!("Not A Slug");
    let (status, body) = call(&app, &admin, Method::POST, "/api/cadences", Some(bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        problems(&body, "rrule").contains("not a valid RFC 5545 recurrence rule"),
        "{body}"
    );
    for field in ["dueTime", "leadDays", "templateId", "slug"] {
        assert!(body["details"][field].is_array(), "{field}: {body}");
    }
    for (rule, says) in [
        ("FREQ=HOURLY", "at most one item a day"),
        ("FREQ=DAILY;BYHOUR=9", "dueTime"),
        ("", "required"),
    ] {
        let mut body = valid.clone();
        body["rrule"] = json!(rule);
        let (status, body) = call(&app, &admin, Method::POST, "/api/cadences", Some(body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(problems(&body, "rrule").contains(says), "{rule}: {body}");
    }
    let (status, body) = call(&app, &admin, Method::POST, "/api/cadences", Some(json!({}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["name", "slug", "templateId", "rrule", "dueTime"] {
        assert!(
            problems(&body, field).contains("required"),
            "{field}: {body}"
        );
    }

    // Staff may not create; admins may, once per slug.
    let (status, _) = call(
        &app,
        &staff,
        Method::POST,
        "/api/cadences",
        Some(valid.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let created = create_cadence(&app, &admin, valid.clone()).await;
    for (key, value) in valid.as_object().unwrap() {
        assert_eq!(&created[key], value, "{key}");
    }
    let (status, _) = call(
        &app,
        &admin,
        Method::POST,
        "/api/cadences",
        Some(valid.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Everyone reads.
    let id = created["id"].as_str().unwrap();
    let path = format!("/api/cadences/{id}");
    let (status, list) = call(&app, &staff, Method::GET, "/api/cadences", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["data"][0]["slug"], "weekly-newsletter");
    let (status, one) = call(&app, &staff, Method::GET, &path, None).await;
    assert_eq!(
        (status, one["data"]["rrule"].clone()),
        (StatusCode::OK, json!("FREQ=WEEKLY;BYDAY=TU"))
    );

    // Only admins change; a bad change changes nothing; the slug is fixed.
    let pause = json!({"active": false, "leadDays": 7});
    let (status, _) = call(&app, &staff, Method::PATCH, &path, Some(pause.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = call(
        &app,
        &admin,
        Method::PATCH,
        &path,
        Some(json!({"rrule": "FREQ=WEEKLY;BYDAY=XX", "leadDays": 3})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problems(&body, "rrule").contains("not a valid"), "{body}");
    let (status, body) = call(
        &app,
        &admin,
        Method::PATCH,
        &path,
        Some(json!({"slug": "other"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problems(&body, "slug").contains("cannot change"));
    let (status, changed) = call(&app, &admin, Method::PATCH, &path, Some(pause)).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["data"]["active"], false);
    assert_eq!(changed["data"]["leadDays"], 7);
    assert_eq!(
        changed["data"]["rrule"], "FREQ=WEEKLY;BYDAY=TU",
        "an invalid change wrote nothing"
    );
    let (status, changed) = call(
        &app,
        &admin,
        Method::PATCH,
        &path,
        Some(json!({"ownerId": null})),
    )
    .await;
    assert_eq!(
        (status, changed["data"]["ownerId"].clone()),
        (StatusCode::OK, Value::Null)
    );

    let (status, _) = call(&app, &staff, Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(&app, &admin, Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(&app, &staff, Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

fn due_times(body: &Value) -> Vec<String> {
    body["data"]["occurrences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            format!(
                "{} {}",
                o["date"].as_str().unwrap(),
                o["dueAt"].as_str().unwrap()
            )
        })
        .collect()
}

async fn the_preview_lists_occurrences_in_the_time_zone_across_dst(backend: Backend) {
    let app = spawn(backend, "America/New_York", JobRegistry::default()).await;
    let admin = personas::admin(&app).await;
    let staff = personas::staff(&app).await;
    let template = create_template(&app, &admin).await;
    let cadence = create_cadence(&app, &admin, json!({
        "name": "Mon and Fri", "slug": "mon-fri", "templateId": template,
        "rrule": "DTSTART:20260301\nRRULE:FREQ=WEEKLY;BYDAY=MO,FR", "dueTime": "10:00", "leadDays": 14,
    })).await;
    let id = cadence["id"].as_str().unwrap();

    // 10:00 in New York is 15:00 UTC in winter and 14:00 UTC from 2026-03-08 to 2026-11-01.
    let (status, spring) = call(
        &app,
        &staff,
        Method::GET,
        &format!("/api/cadences/{id}/preview?count=4&from=2026-03-05"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{spring}");
    assert_eq!(spring["data"]["timezone"], "America/New_York");
    assert_eq!(
        due_times(&spring),
        [
            "2026-03-06 2026-03-06T15:00:00Z",
            "2026-03-09 2026-03-09T14:00:00Z",
            "2026-03-13 2026-03-13T14:00:00Z",
            "2026-03-16 2026-03-16T14:00:00Z",
        ]
    );
    assert_eq!(
        spring["data"]["occurrences"][0]["cadenceKey"],
        "mon-fri:2026-03-06"
    );
    assert_eq!(spring["data"]["occurrences"][0]["created"], false);
    let (_, autumn) = call(
        &app,
        &staff,
        Method::GET,
        &format!("/api/cadences/{id}/preview?count=3&from=2026-10-29"),
        None,
    )
    .await;
    assert_eq!(
        due_times(&autumn),
        [
            "2026-10-30 2026-10-30T14:00:00Z",
            "2026-11-02 2026-11-02T15:00:00Z",
            "2026-11-06 2026-11-06T15:00:00Z",
        ]
    );
    // Without `from`: the next ten from now, all still to come.
    let (_, upcoming) = call(
        &app,
        &staff,
        Method::GET,
        &format!("/api/cadences/{id}/preview"),
        None,
    )
    .await;
    assert_eq!(
        upcoming["data"]["occurrences"].as_array().unwrap().len(),
        10
    );

    for bad in [
        "count=0",
        "count=101",
        "count=x",
        "from=tomorrow",
        "colour=blue",
    ] {
        let (status, body) = call(
            &app,
            &staff,
            Method::GET,
            &format!("/api/cadences/{id}/preview?{bad}"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
    }
    let (status, _) = call(
        &app,
        &staff,
        Method::GET,
        &format!("/api/cadences/{}/preview", uuid::Uuid::now_v7()),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn the_cadences_page_creates_edits_pauses_and_previews(backend: Backend) {
    let app = spawn(backend, "UTC", JobRegistry::default()).await;
    let admin = personas::admin(&app).await;
    let staff = personas::staff(&app).await;
    let template = create_template(&app, &admin).await;

    let page = admin
        .client
        .get(app.url("/cadences"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("New cadence") && page.contains("<label for=\"c-rrule\""),
        "{page}"
    );
    let created = admin
        .post_form(
            &app,
            "/cadences",
            &[
                ("name", "Month end report"),
                ("slug", "month-end"),
                ("template_id", &template),
                ("owner_id", ""),
                ("rrule", "FREQ=MONTHLY;BYMONTHDAY=-1"),
                ("due_time", "17:00"),
                ("lead_days", "5"),
                ("active", "true"),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::FOUND);
    let location = created.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/cadences/"), "{location}");

    let detail = staff
        .client
        .get(app.url(&location))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        detail.contains("Next occurrences") && detail.contains("month-end:"),
        "{detail}"
    );
    assert!(
        !detail.contains("Delete cadence"),
        "staff see no editing controls"
    );
    let list = staff
        .client
        .get(app.url("/cadences"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("Month end report") && !list.contains("Create cadence"));

    // A refused edit shows the problem and keeps what was typed.
    let refused = admin
        .post_form(
            &app,
            &location,
            &[
                ("name", "Month end report"),
                ("template_id", &template),
                ("owner_id", ""),
                ("rrule", "FREQ=MONTHLY;BYMONTHDAY=40"),
                ("due_time", "17:00"),
                ("lead_days", "5"),
                ("active", "true"),
            ],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(
        html.contains("not a valid RFC 5545") && html.contains("BYMONTHDAY=40"),
        "{html}"
    );

    let paused = admin
        .post_form(&app, &format!("{location}/active"), &[("active", "false")])
        .await;
    assert_eq!(paused.status(), StatusCode::FOUND);
    let detail = admin
        .client
        .get(app.url(&location))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        detail.contains("Paused") && detail.contains("Resume"),
        "{detail}"
    );

    let refused = staff.post_form(&app, "/cadences", &[("name", "x")]).await;
    assert_eq!(refused.status(), StatusCode::FOUND);
    assert_eq!(refused.headers()["location"], "/");
    let deleted = admin
        .post_form(&app, &format!("{location}/delete"), &[])
        .await;
    assert_eq!(deleted.status(), StatusCode::FOUND);
    let gone = admin.client.get(app.url(&location)).send().await.unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}

on_both_backends!(
    only_admins_edit_everyone_reads_and_bad_input_is_refused,
    the_preview_lists_occurrences_in_the_time_zone_across_dst,
    the_cadences_page_creates_edits_pauses_and_previews,
);
