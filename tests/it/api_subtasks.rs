//! Subtasks over HTTP: add, list in order, edit, toggle, assign and clear, reorder with
//! contiguous positions, delete; every validation error refused with nothing written; bad
//! ids are 404. Also the small helpers the other area-B test files share.

use ops_desktop::db::entities::{notification, subtask};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp,
        personas::{self, Persona},
    },
};

/// Sends `body` (if any) as `who`; returns the status and the JSON answer (`Null` if empty).
pub async fn send(
    app: &TestApp,
    who: &Persona,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = who.api(app, method, path);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON answer, got {text}"))
    };
    (status, value)
}

/// Creates a work item through the API as `who`; returns its JSON.
pub async fn create_item(app: &TestApp, who: &Persona, body: Value) -> Value {
    let (status, created) = send(app, who, Method::POST, "/api/work-items", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["data"].clone()
}

/// Asserts a 422 whose `details` name `field`.
pub fn assert_invalid(status: StatusCode, body: &Value, field: &str) {
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["details"][field].is_array(),
        "details name {field}: {body}"
    );
}

fn titles(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap().to_string())
        .collect()
}

async fn listed(app: &TestApp, who: &Persona, item: &str) -> Value {
    let (status, list) = send(
        app,
        who,
        Method::GET,
        &format!("/api/work-items/{item}/subtasks"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert!(list["nextCursor"].is_null());
    let positions: Vec<i64> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["position"].as_i64().unwrap())
        .collect();
    let expected: Vec<i64> = (0..positions.len() as i64).collect();
    assert_eq!(positions, expected, "positions stay contiguous");
    list
}

async fn subtasks_can_be_added_edited_toggled_reordered_and_deleted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let admin = personas::admin(&app).await;
    let item = create_item(&app, &staff, json!({"title": "Launch post"})).await;
    let item_id = item["id"].as_str().unwrap();
    let path = format!("/api/work-items/{item_id}/subtasks");

    let mut ids = std::collections::HashMap::new();
    for title in ["draft", "edit", "publish"] {
        let (status, created) = send(
            &app,
            &staff,
            Method::POST,
            &path,
            Some(json!({"title": title})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_eq!(created["data"]["done"], false);
        assert_eq!(created["data"]["workItemId"], item_id);
        ids.insert(title, created["data"]["id"].as_str().unwrap().to_string());
    }
    let (status, first) = send(
        &app,
        &staff,
        Method::POST,
        &path,
        Some(json!({"title": "  outline  ", "position": 0, "dueAt": "2026-03-01T17:00:00+01:00"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(first["data"]["title"], "outline", "trimmed");
    assert_eq!(first["data"]["position"], 0);
    assert_eq!(first["data"]["dueAt"], "2026-03-01T16:00:00Z");
    ids.insert("outline", first["data"]["id"].as_str().unwrap().to_string());
    let list = listed(&app, &staff, item_id).await;
    assert_eq!(titles(&list), ["outline", "draft", "edit", "publish"]);

    // Reorder: to the top, and past the end (which means last).
    let patch = |name: &str| format!("/api/subtasks/{}", ids[name]);
    let (status, moved) = send(
        &app,
        &staff,
        Method::PATCH,
        &patch("publish"),
        Some(json!({"position": 0})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["data"]["position"], 0);
    let list = listed(&app, &staff, item_id).await;
    assert_eq!(titles(&list), ["publish", "outline", "draft", "edit"]);
    send(
        &app,
        &staff,
        Method::PATCH,
        &patch("outline"),
        Some(json!({"position": 99})),
    )
    .await;
    let list = listed(&app, &staff, item_id).await;
    assert_eq!(titles(&list), ["publish", "draft", "edit", "outline"]);

    // Edit, toggle, assign (the assignee hears of it), then clear with null.
    let (status, edited) = send(
        &app,
        &staff,
        Method::PATCH,
        &patch("draft"),
        Some(json!({"title": "first draft", "done": true, "assigneeId": admin.user.id, "dueAt": "2026-04-01T09:00:00Z"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["data"]["title"], "first draft");
    assert_eq!(edited["data"]["done"], true);
    assert_eq!(edited["data"]["assigneeId"], admin.user.id.to_string());
    assert_eq!(edited["data"]["dueAt"], "2026-04-01T09:00:00Z");
    assert_eq!(edited["data"]["position"], 1, "editing does not move it");
    let assigned = notification::Entity::find()
        .filter(notification::Column::UserId.eq(admin.user.id))
        .filter(notification::Column::Kind.eq("ASSIGNED"))
        .count(app.db().conn())
        .await
        .unwrap();
    assert_eq!(assigned, 1);
    let (_, cleared) = send(
        &app,
        &staff,
        Method::PATCH,
        &patch("draft"),
        Some(json!({"assigneeId": null, "dueAt": null, "done": false})),
    )
    .await;
    assert!(cleared["data"]["assigneeId"].is_null());
    assert!(cleared["data"]["dueAt"].is_null());
    assert_eq!(cleared["data"]["done"], false);
    assert_eq!(
        cleared["data"]["title"], "first draft",
        "absent fields stay"
    );

    // Delete closes the gap.
    let (status, _) = send(&app, &staff, Method::DELETE, &patch("publish"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let list = listed(&app, &staff, item_id).await;
    assert_eq!(titles(&list), ["first draft", "edit", "outline"]);
    let (status, _) = send(&app, &staff, Method::DELETE, &patch("publish"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "already gone");

    let history: Value = staff
        .client
        .get(app.url(&format!("/api/work-items/{item_id}/history")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = history["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.contains(&"subtask.create") && actions.contains(&"subtask.delete"));
    app.stop().await;
}

async fn subtask_writes_are_validated_completely_before_anything_is_written(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let admin = personas::admin(&app).await;
    let gone = personas::create_user(&app, "gus.gone@example.com", "Gus Gone", "STAFF").await;
    let (status, _) = send(
        &app,
        &admin,
        Method::PATCH,
        &format!("/api/admin/users/{}", gone.id),
        Some(json!({"active": false})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let item = create_item(&app, &staff, json!({"title": "Item"})).await;
    let path = format!("/api/work-items/{}/subtasks", item["id"].as_str().unwrap());
    let post = |body: Value| send(&app, &staff, Method::POST, &path, Some(body));

    let (status, body) = post(json!({})).await;
    assert_invalid(status, &body, "title");
    let (status, body) = post(json!({"title": "   "})).await;
    assert_invalid(status, &body, "title");
    let (status, body) = post(json!({"title": "x".repeat(201)})).await;
    assert_invalid(status, &body, "title");
    let (status, body) = post(json!({"title": "ok", "unknown": 1})).await;
    assert_invalid(status, &body, "body");
    let (status, body) = post(json!({"title": "ok", "assigneeId": gone.id})).await;
    assert_invalid(status, &body, "assigneeId");
    let (status, body) = post(json!({"title": "ok", "assigneeId": uuid::Uuid::now_v7()})).await;
    assert_invalid(status, &body, "assigneeId");
    // Every problem at once.
    let (status, body) =
        post(json!({"title": "", "assigneeId": "nobody", "dueAt": "tomorrow", "position": -1}))
            .await;
    for field in ["title", "assigneeId", "dueAt", "position"] {
        assert_invalid(status, &body, field);
    }
    assert_eq!(
        subtask::Entity::find()
            .count(app.db().conn())
            .await
            .unwrap(),
        0,
        "nothing was written"
    );

    let (_, created) = post(json!({"title": "keep"})).await;
    let subtask_path = format!("/api/subtasks/{}", created["data"]["id"].as_str().unwrap());
    let (status, body) = send(
        &app,
        &staff,
        Method::PATCH,
        &subtask_path,
        Some(json!({"title": "changed", "dueAt": "soon", "position": -2})),
    )
    .await;
    assert_invalid(status, &body, "dueAt");
    assert_invalid(status, &body, "position");
    let (status, body) = send(
        &app,
        &staff,
        Method::PATCH,
        &subtask_path,
        Some(json!({"title": "changed", "done": "yes"})),
    )
    .await;
    assert_invalid(status, &body, "body");
    let stored = subtask::Entity::find().all(app.db().conn()).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].title, "keep", "a refused change changes nothing");

    // Unknown and malformed ids are 404.
    let unknown = uuid::Uuid::now_v7();
    for (method, path) in [
        (Method::GET, format!("/api/work-items/{unknown}/subtasks")),
        (Method::POST, format!("/api/work-items/{unknown}/subtasks")),
        (
            Method::GET,
            "/api/work-items/not-an-id/subtasks".to_string(),
        ),
        (Method::PATCH, format!("/api/subtasks/{unknown}")),
        (Method::PATCH, "/api/subtasks/not-an-id".to_string()),
        (Method::DELETE, format!("/api/subtasks/{unknown}")),
        (Method::DELETE, "/api/subtasks/not-an-id".to_string()),
    ] {
        let body =
            (method != Method::GET && method != Method::DELETE).then(|| json!({"title": "x"}));
        let (status, answer) = send(&app, &staff, method.clone(), &path, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {answer}");
    }
    app.stop().await;
}

async fn concurrent_moves_keep_positions_contiguous(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let item = create_item(&app, &staff, json!({"title": "Busy item"})).await;
    let item_id = item["id"].as_str().unwrap();
    let path = format!("/api/work-items/{item_id}/subtasks");
    let mut ids = Vec::new();
    for n in 0..6 {
        let (_, created) = send(
            &app,
            &staff,
            Method::POST,
            &path,
            Some(json!({"title": format!("step {n}")})),
        )
        .await;
        ids.push(created["data"]["id"].as_str().unwrap().to_string());
    }
    // Moves, inserts and a delete racing each other on one item.
    let paths: Vec<String> = ids.iter().map(|id| format!("/api/subtasks/{id}")).collect();
    let moves = paths.iter().enumerate().map(|(n, one)| {
        let body = json!({"position": (n * 5) % 7});
        send(&app, &staff, Method::PATCH, one, Some(body))
    });
    let inserts = (0..3).map(|n| {
        let body = json!({"title": format!("late {n}"), "position": n});
        send(&app, &staff, Method::POST, &path, Some(body))
    });
    let delete = send(&app, &staff, Method::DELETE, &paths[2], None);
    let (moved, inserted, deleted) = tokio::join!(
        futures_util::future::join_all(moves),
        futures_util::future::join_all(inserts),
        delete
    );
    assert!(
        moved
            .iter()
            .all(|(s, _)| *s == StatusCode::OK || *s == StatusCode::NOT_FOUND),
        "{moved:?}"
    );
    assert!(
        inserted.iter().all(|(s, _)| *s == StatusCode::CREATED),
        "{inserted:?}"
    );
    assert_eq!(deleted.0, StatusCode::NO_CONTENT);
    let list = listed(&app, &staff, item_id).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 8);
    app.stop().await;
}

on_both_backends!(
    subtasks_can_be_added_edited_toggled_reordered_and_deleted,
    subtask_writes_are_validated_completely_before_anything_is_written,
    concurrent_moves_keep_positions_contiguous,
);
