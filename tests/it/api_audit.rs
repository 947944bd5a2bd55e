//! The audit log through the API (admins only): filters by actor, action, item and time,
//! keyset paging newest first, and bad parameters named in a 422.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp, personas,
        personas::Persona,
        work::{call, create_item, patch_item},
    },
};

/// `GET /api/audit` with `params` as `who`.
async fn audit(app: &TestApp, who: &Persona, params: &[(&str, &str)]) -> (StatusCode, Value) {
    let response = who
        .api(app, Method::GET, "/api/audit")
        .query(params)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

fn field(body: &Value, name: &str) -> Vec<String> {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry[name].as_str().unwrap_or("").to_string())
        .collect()
}

async fn create_template(app: &TestApp, admin: &Persona, name: &str) {
    let (status, body) = call(
        app,
        admin,
        Method::POST,
        "/api/templates",
        Some(json!({"name": name, "type": "TASK"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

async fn admins_filter_and_page_the_audit_log(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = personas::admin(&app).await;
    let staff = personas::staff(&app).await;
    for name in ["First", "Second", "Third"] {
        create_template(&app, &admin, name).await;
    }
    let item = create_item(&app, &staff, json!({"title": "Staff item"})).await;
    let (status, _) = patch_item(&app, &staff, &item["id"], json!({"status": "IN_PROGRESS"})).await;
    assert_eq!(status, StatusCode::OK);
    let other = create_item(&app, &admin, json!({"title": "Admin item"})).await;

    // Everything, newest first.
    let (status, all) = audit(&app, &admin, &[]).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    let times: Vec<chrono::DateTime<chrono::Utc>> = field(&all, "createdAt")
        .iter()
        .map(|t| t.parse().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");
    assert!(all["nextCursor"].is_null());
    assert_eq!(field(&all, "action")[0], "work_item.create");
    assert_eq!(all["data"][0]["workItemId"], other["id"]);

    // By action.
    let (_, templates) = audit(&app, &admin, &[("action", "template.create")]).await;
    assert_eq!(
        field(&templates, "summary"),
        vec!["Third", "Second", "First"]
    );
    assert!(
        field(&templates, "actorId")
            .iter()
            .all(|a| *a == admin.user.id.to_string())
    );

    // By actor.
    let staff_id = staff.user.id.to_string();
    let (_, by_staff) = audit(&app, &admin, &[("actorId", &staff_id)]).await;
    assert!(
        field(&by_staff, "action").contains(&"work_item.create".to_string()),
        "{by_staff}"
    );
    assert!(field(&by_staff, "actorId").iter().all(|a| *a == staff_id));

    // By item.
    let item_id = item["id"].as_str().unwrap();
    let (_, by_item) = audit(&app, &admin, &[("workItemId", item_id)]).await;
    assert!(by_item["data"].as_array().unwrap().len() >= 2, "{by_item}");
    assert!(field(&by_item, "workItemId").iter().all(|w| w == item_id));
    assert_eq!(
        by_item["data"].as_array().unwrap().last().unwrap()["action"],
        "work_item.create"
    );

    // By time: `from` includes its instant, `to` excludes it.
    let second = templates["data"][1]["createdAt"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, since) = audit(
        &app,
        &admin,
        &[("action", "template.create"), ("from", &second)],
    )
    .await;
    assert_eq!(field(&since, "summary"), vec!["Third", "Second"]);
    let (_, before) = audit(
        &app,
        &admin,
        &[("action", "template.create"), ("to", &second)],
    )
    .await;
    assert_eq!(field(&before, "summary"), vec!["First"]);

    // Paging: two pages of the three template entries, then nothing more.
    let (_, page1) = audit(
        &app,
        &admin,
        &[("action", "template.create"), ("limit", "2")],
    )
    .await;
    assert_eq!(field(&page1, "summary"), vec!["Third", "Second"]);
    let cursor = page1["nextCursor"]
        .as_str()
        .expect("a next page")
        .to_string();
    let (_, page2) = audit(
        &app,
        &admin,
        &[
            ("action", "template.create"),
            ("limit", "2"),
            ("cursor", &cursor),
        ],
    )
    .await;
    assert_eq!(field(&page2, "summary"), vec!["First"]);
    assert!(page2["nextCursor"].is_null());
    // Paging through everything one at a time visits each entry once, in order.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut params = vec![("limit", "1".to_string())];
        if let Some(c) = &cursor {
            params.push(("cursor", c.clone()));
        }
        let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (_, page) = audit(&app, &admin, &params).await;
        seen.extend(field(&page, "id"));
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, field(&all, "id"));
    app.stop().await;
}

async fn staff_are_refused_and_bad_parameters_are_named(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = personas::admin(&app).await;
    let staff = personas::staff(&app).await;
    let (status, _) = audit(&app, &staff, &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/api/audit").await.status(),
        StatusCode::UNAUTHORIZED
    );
    for (params, name) in [
        (vec![("limit", "0")], "limit"),
        (vec![("limit", "201")], "limit"),
        (vec![("limit", "ten")], "limit"),
        (vec![("actorId", "someone")], "actorId"),
        (vec![("workItemId", "42")], "workItemId"),
        (vec![("from", "yesterday")], "from"),
        (vec![("to", "2026-13-01T00:00:00Z")], "to"),
        (
            vec![
                ("from", "2026-03-02T00:00:00Z"),
                ("to", "2026-03-01T00:00:00Z"),
            ],
            "to",
        ),
        (vec![("cursor", "not-a-cursor")], "cursor"),
        (vec![("entity", "template")], "entity"),
    ] {
        let (status, body) = audit(&app, &admin, &params).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{params:?}: {body}"
        );
        assert!(
            body["details"][name].is_array(),
            "{params:?} names {name}: {body}"
        );
    }
    let (status, body) = audit(&app, &admin, &[("limit", "200")]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.stop().await;
}

on_both_backends!(
    admins_filter_and_page_the_audit_log,
    staff_are_refused_and_bad_parameters_are_named,
);
