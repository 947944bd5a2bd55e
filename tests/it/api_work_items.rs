//! The work-item rules through the API: creation and its defaults, validation (422 with a
//! problem per field, nothing written), optimistic concurrency, status moves, waiting,
//! notifications, deletion and the audit trail.

use ops_desktop::db::entities::{audit_log, notification, work_item};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp, personas,
        work::{call, create_item, patch_item},
    },
};

async fn count_items(app: &TestApp) -> u64 {
    work_item::Entity::find()
        .count(app.db().conn())
        .await
        .unwrap()
}

async fn audit_for(app: &TestApp, id: &Value, action: &str) -> Vec<audit_log::Model> {
    let id = uuid::Uuid::parse_str(id.as_str().unwrap()).unwrap();
    audit_log::Entity::find()
        .filter(audit_log::Column::WorkItemId.eq(id))
        .filter(audit_log::Column::Action.eq(action))
        .all(app.db().conn())
        .await
        .unwrap()
}

async fn creating_an_item_applies_defaults_and_is_audited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let item = create_item(&app, &staff, json!({"title": "  Write the launch post  ", "tags": ["launch", "blog", "launch"], "deliverableType": "ARTICLE"})).await;
    assert_eq!(item["title"], "Write the launch post");
    assert_eq!(item["type"], "TASK");
    assert_eq!(item["status"], "BACKLOG");
    assert_eq!(item["priority"], "NORMAL");
    assert_eq!(item["version"], 1);
    assert_eq!(item["tags"], json!(["blog", "launch"]));
    assert_eq!(item["deliverableType"], "ARTICLE");
    assert_eq!(item["createdById"], staff.user.id.to_string());
    assert!(
        uuid::Uuid::parse_str(item["id"].as_str().unwrap())
            .unwrap()
            .get_version_num()
            == 7
    );
    let (status, fetched) = call(
        &app,
        &staff,
        Method::GET,
        &format!("/api/work-items/{}", item["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched["data"], item);
    assert_eq!(
        audit_for(&app, &item["id"], "work_item.create").await.len(),
        1
    );
    app.stop().await;
}

async fn invalid_fields_are_refused_together_and_nothing_is_written(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let cases = [
        (json!({"title": "  "}), "title"),
        (json!({"title": "x".repeat(201)}), "title"),
        (json!({"title": "ok", "type": "EPIC"}), "type"),
        (json!({"title": "ok", "status": "DOING"}), "status"),
        (json!({"title": "ok", "priority": "MEGA"}), "priority"),
        (
            json!({"title": "ok", "deliverableType": "ZINE"}),
            "deliverableType",
        ),
        (json!({"title": "ok", "tags": ["Not Valid"]}), "tags"),
        (
            json!({"title": "ok", "tags": (0..21).map(|n| format!("t{n}")).collect::<Vec<_>>()}),
            "tags",
        ),
        (
            json!({"title": "ok", "description": "x".repeat(50_001)}),
            "description",
        ),
        (
            json!({"title": "ok", "startAt": "2026-03-02T10:00:00Z", "dueAt": "2026-03-01T10:00:00Z"}),
            "dueAt",
        ),
        (
            json!({"title": "ok", "type": "EVENT", "dueAt": "2026-03-01T10:00:00Z"}),
            "startAt",
        ),
        (json!({"title": "ok", "dueAt": "next tuesday"}), "dueAt"),
        (
            json!({"title": "ok", "ownerId": uuid::Uuid::now_v7().to_string()}),
            "ownerId",
        ),
        (json!({"title": "ok", "ownerId": "not-an-id"}), "ownerId"),
        (
            json!({"title": "ok", "waitingOnUserId": staff.user.id.to_string()}),
            "waitingReason",
        ),
        (
            json!({"title": "ok", "tbpGraphicsLocation": "x".repeat(501)}),
            "tbpGraphicsLocation",
        ),
        (
            json!({"title": "ok", "qcChecklist": [{"label": " "}]}),
            "qcChecklist",
        ),
        (
            json!({"title": "ok", "templateId": uuid::Uuid::now_v7().to_string()}),
            "templateId",
        ),
    ];
    for (body, field) in cases {
        let (status, response) = call(
            &app,
            &staff,
            Method::POST,
            "/api/work-items",
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(
            response["details"][field].is_array(),
            "{field} named for {body}: {response}"
        );
    }
    // Several problems come back together.
    let (_, response) = call(
        &app,
        &staff,
        Method::POST,
        "/api/work-items",
        Some(json!({"type": "EPIC", "priority": "MEGA"})),
    )
    .await;
    for field in ["title", "type", "priority"] {
        assert!(response["details"][field].is_array(), "{field}: {response}");
    }
    // Unknown and server-set fields are refused.
    let (status, _) = call(
        &app,
        &staff,
        Method::POST,
        "/api/work-items",
        Some(json!({"title": "ok", "waitingSince": "2026-01-01T00:00:00Z"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count_items(&app).await, 0, "nothing was written");
    app.stop().await;
}

async fn stale_writes_get_409(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let item = create_item(&app, &staff, json!({"title": "Draft"})).await;
    let path = format!("/api/work-items/{}", item["id"].as_str().unwrap());
    let fresh = staff
        .api(&app, Method::PATCH, &path)
        .header("if-match", "\"1\"")
        .json(&json!({"title": "First"}))
        .send()
        .await
        .unwrap();
    assert_eq!(fresh.status(), StatusCode::OK);
    assert_eq!(fresh.headers()["etag"], "\"2\"");
    let stale = staff
        .api(&app, Method::PATCH, &path)
        .header("if-match", "1")
        .json(&json!({"title": "Lost update"}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let (status, _) = patch_item(
        &app,
        &staff,
        &item["id"],
        json!({"version": 1, "title": "Also lost"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, body) = patch_item(
        &app,
        &staff,
        &item["id"],
        json!({"version": 2, "priority": "HIGH"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["title"], "First");
    assert_eq!(body["data"]["version"], 3);
    app.stop().await;
}

async fn status_moves_follow_the_rules_and_are_audited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let item = create_item(&app, &staff, json!({"title": "Ship it"})).await;
    let (status, body) = patch_item(&app, &staff, &item["id"], json!({"status": "DONE"})).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body["data"]["completedAt"].is_string(),
        "completedAt set on DONE"
    );
    let (status, body) = patch_item(&app, &staff, &item["id"], json!({"status": "BACKLOG"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("reopened to In progress")
    );
    let (status, body) =
        patch_item(&app, &staff, &item["id"], json!({"status": "IN_PROGRESS"})).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["data"]["completedAt"].is_null(), "cleared on reopen");
    // The predecessor's smoke test: a status move writes the audit log.
    let moves = audit_for(&app, &item["id"], "work_item.status").await;
    assert_eq!(moves.len(), 2);
    assert_eq!(moves[0].before.as_ref().unwrap()["status"], "BACKLOG");
    assert_eq!(moves[0].after.as_ref().unwrap()["status"], "DONE");
    assert_eq!(moves[0].actor_id, Some(staff.user.id));
    app.stop().await;
}

async fn waiting_fields_move_together_and_notify(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = personas::admin(&app).await;
    let staff = personas::staff(&app).await;
    let item = create_item(&app, &admin, json!({"title": "Logo files"})).await;
    let (status, body) = patch_item(&app, &admin, &item["id"], json!({"waitingOnUserId": staff.user.id.to_string(), "waitingReason": "Send the approved logo"})).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body["data"]["waitingSince"].is_string(),
        "set by the server"
    );
    let waiting = notification::Entity::find()
        .filter(notification::Column::UserId.eq(staff.user.id))
        .filter(notification::Column::Kind.eq("WAITING"))
        .count(app.db().conn())
        .await
        .unwrap();
    assert_eq!(waiting, 1);
    let (status, _) = patch_item(&app, &admin, &item["id"], json!({"waitingReason": "   "})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, body) =
        patch_item(&app, &admin, &item["id"], json!({"waitingOnUserId": null})).await;
    assert_eq!(status, StatusCode::OK);
    for field in ["waitingOnUserId", "waitingReason", "waitingSince"] {
        assert!(body["data"][field].is_null(), "{field} cleared");
    }
    let waits = audit_for(&app, &item["id"], "work_item.waiting").await;
    assert_eq!(waits.len(), 2);
    // Assignment notifies the new owner, not someone assigning themselves.
    patch_item(
        &app,
        &admin,
        &item["id"],
        json!({"ownerId": staff.user.id.to_string()}),
    )
    .await;
    patch_item(
        &app,
        &admin,
        &item["id"],
        json!({"ownerId": admin.user.id.to_string()}),
    )
    .await;
    let assigned = |user: uuid::Uuid| {
        notification::Entity::find()
            .filter(notification::Column::UserId.eq(user))
            .filter(notification::Column::Kind.eq("ASSIGNED"))
            .count(app.db().conn())
    };
    assert_eq!(assigned(staff.user.id).await.unwrap(), 1);
    assert_eq!(assigned(admin.user.id).await.unwrap(), 0);
    assert_eq!(
        audit_for(&app, &item["id"], "work_item.owner").await.len(),
        2
    );
    app.stop().await;
}

async fn admins_delete_items_and_the_history_keeps_the_title(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = personas::admin(&app).await;
    let staff = personas::staff(&app).await;
    let item = create_item(&app, &staff, json!({"title": "Obsolete brief"})).await;
    let path = format!("/api/work-items/{}", item["id"].as_str().unwrap());
    let (status, _) = call(&app, &staff, Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(&app, &admin, Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(&app, &staff, Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, history) = call(&app, &admin, Method::GET, &format!("{path}/history"), None).await;
    assert_eq!(status, StatusCode::OK);
    let actions: Vec<&str> = history["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["work_item.create", "work_item.delete"]);
    assert_eq!(history["data"][1]["summary"], "Obsolete brief");
    let (status, _) = call(
        &app,
        &admin,
        Method::GET,
        &format!("/api/work-items/{}/history", uuid::Uuid::now_v7()),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}

/// A failure after the audit row is written rolls back the change and the audit row alike:
/// a trigger makes the notification insert (which follows the audit insert) fail.
async fn a_failure_after_the_audit_insert_leaves_neither_row(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = personas::admin(&app).await;
    let staff = personas::staff(&app).await;
    let item = create_item(&app, &admin, json!({"title": "Atomic"})).await;
    let sabotage: &[&str] = match backend {
        Backend::Sqlite => &[
            "CREATE TRIGGER forced_failure BEFORE INSERT ON notifications BEGIN SELECT RAISE(ABORT, 'forced failure'); END",
        ],
        Backend::Postgres => &[
            "CREATE FUNCTION forced_failure() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'forced failure'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER forced_failure BEFORE INSERT ON notifications FOR EACH ROW EXECUTE FUNCTION forced_failure()",
        ],
    };
    for statement in sabotage {
        sea_orm::ConnectionTrait::execute_unprepared(app.db().conn(), statement)
            .await
            .unwrap();
    }
    let (status, body) = patch_item(
        &app,
        &admin,
        &item["id"],
        json!({"ownerId": staff.user.id.to_string(), "status": "PLANNED"}),
    )
    .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body["error"], "internal error");
    let (_, fetched) = call(
        &app,
        &admin,
        Method::GET,
        &format!("/api/work-items/{}", item["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert!(
        fetched["data"]["ownerId"].is_null(),
        "the change was rolled back"
    );
    assert_eq!(fetched["data"]["status"], "BACKLOG");
    assert_eq!(fetched["data"]["version"], 1);
    assert!(
        audit_for(&app, &item["id"], "work_item.owner")
            .await
            .is_empty(),
        "and so was its audit row"
    );
    assert!(
        audit_for(&app, &item["id"], "work_item.status")
            .await
            .is_empty()
    );
    app.stop().await;
}

on_both_backends!(
    creating_an_item_applies_defaults_and_is_audited,
    invalid_fields_are_refused_together_and_nothing_is_written,
    stale_writes_get_409,
    status_moves_follow_the_rules_and_are_audited,
    waiting_fields_move_together_and_notify,
    admins_delete_items_and_the_history_keeps_the_title,
    a_failure_after_the_audit_insert_leaves_neither_row,
);
