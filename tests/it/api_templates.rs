//! Templates through the API: everyone reads, admins write (audited); validation refuses
//! everything at once and writes nothing; a template a cadence uses cannot be deleted; an
//! item made from a template copies it, subtasks and their due dates included.

use chrono::{DateTime, Utc};
use ops_desktop::db::entities::{audit_log, cadence, subtask, template, template_subtask};
use reqwest::{Method, StatusCode};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::{Value, json};

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp, personas,
        personas::Persona,
        work::{call, create_item},
    },
};

fn uuid_of(value: &Value) -> uuid::Uuid {
    uuid::Uuid::parse_str(value.as_str().unwrap()).unwrap()
}

fn newsletter(owner: &Persona) -> Value {
    json!({
        "name": "Weekly newsletter",
        "type": "DELIVERABLE",
        "deliverableType": "NEWSLETTER",
        "priority": "HIGH",
        "tags": ["newsletter", "weekly"],
        "needsProofing": true,
        "qcChecklist": [{"label": "Links work"}, {"label": "Spelling", "checked": false}],
        "defaultOwnerId": owner.user.id.to_string(),
        "durationDays": 5,
        "description": "Our **weekly** letter.",
        "subtasks": [
            {"title": "Draft", "dueOffsetDays": -3},
            {"title": "Proof", "dueOffsetDays": -1},
            {"title": "Send", "dueOffsetDays": 0},
        ],
    })
}

async fn create_template(app: &TestApp, admin: &Persona, body: Value) -> Value {
    let (status, response) = call(app, admin, Method::POST, "/api/templates", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{response}");
    response["data"].clone()
}

async fn template_count(app: &TestApp) -> u64 {
    template::Entity::find()
        .count(app.db().conn())
        .await
        .unwrap()
}

/// Just the status of a request (the body is checked elsewhere or not needed).
async fn status_of(
    app: &TestApp,
    who: &Persona,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> StatusCode {
    call(app, who, method, path, body).await.0
}

async fn audit_actions(app: &TestApp, id: uuid::Uuid) -> Vec<String> {
    audit_log::Entity::find()
        .filter(audit_log::Column::EntityId.eq(id))
        .order_by_asc(audit_log::Column::CreatedAt)
        .all(app.db().conn())
        .await
        .unwrap()
        .into_iter()
        .map(|entry| entry.action)
        .collect()
}

async fn admins_create_change_and_delete_templates(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = personas::admin(&app).await;
    let staff = personas::staff(&app).await;
    let created = create_template(&app, &admin, newsletter(&staff)).await;
    let path = format!("/api/templates/{}", created["id"].as_str().unwrap());
    assert_eq!(created["name"], "Weekly newsletter");
    assert_eq!(created["type"], "DELIVERABLE");
    assert_eq!(created["deliverableType"], "NEWSLETTER");
    assert_eq!(
        created["qcChecklist"],
        json!([{"label": "Links work", "checked": false}, {"label": "Spelling", "checked": false}])
    );
    assert_eq!(created["defaultOwnerId"], staff.user.id.to_string());
    let steps: Vec<(Value, Value, Value)> = created["subtasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["title"].clone(),
                s["dueOffsetDays"].clone(),
                s["position"].clone(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        vec![
            (json!("Draft"), json!(-3), json!(0)),
            (json!("Proof"), json!(-1), json!(1)),
            (json!("Send"), json!(0), json!(2))
        ]
    );

    // Everyone reads.
    let (status, listed) = call(&app, &staff, Method::GET, "/api/templates", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["data"], json!([created.clone()]));
    assert!(listed["nextCursor"].is_null());
    let (status, one) = call(&app, &staff, Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["data"], created);

    // A change touches only what is sent; subtasks, when sent, replace them all.
    let (status, changed) = call(
        &app,
        &admin,
        Method::PATCH,
        &path,
        Some(json!({
            "name": "  Weekly letter ",
            "deliverableType": null,
            "defaultOwnerId": null,
            "subtasks": [{"title": "Write", "dueOffsetDays": -2}],
        })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    let changed = &changed["data"];
    assert_eq!(changed["name"], "Weekly letter");
    assert!(changed["deliverableType"].is_null() && changed["defaultOwnerId"].is_null());
    assert_eq!(changed["priority"], "HIGH");
    assert_eq!(changed["tags"], json!(["newsletter", "weekly"]));
    assert_eq!(changed["subtasks"].as_array().unwrap().len(), 1);
    assert_eq!(changed["subtasks"][0]["title"], "Write");
    let low = Some(json!({"priority": "LOW"}));
    let (status, same) = call(&app, &admin, Method::PATCH, &path, low).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        same["data"]["subtasks"], changed["subtasks"],
        "subtasks not sent are kept"
    );

    let status = status_of(&app, &admin, Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let status = status_of(&app, &staff, Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let status = status_of(&app, &admin, Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        template_subtask::Entity::find()
            .count(app.db().conn())
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        audit_actions(&app, uuid_of(&created["id"])).await,
        vec![
            "template.create",
            "template.update",
            "template.update",
            "template.delete"
        ]
    );
    let update = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("template.update"))
        .order_by_asc(audit_log::Column::CreatedAt)
        .one(app.db().conn())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(update.before.unwrap()["name"], "Weekly newsletter");
    assert_eq!(update.after.as_ref().unwrap()["name"], "Weekly letter");
    assert!(
        update.after.unwrap().get("priority").is_none(),
        "only changed fields are recorded"
    );
    app.stop().await;
}

async fn invalid_templates_are_refused_together_and_nothing_is_written(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = personas::admin(&app).await;
    let (status, body) = call(
        &app,
        &admin,
        Method::POST,
        "/api/templates",
        Some(json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["details"]["name"].is_array() && body["details"]["type"].is_array(),
        "{body}"
    );

    let unknown_person = uuid::Uuid::now_v7().to_string();
    let (status, body) = call(&app, &admin, Method::POST, "/api/templates", Some(json!({
        "name": "x".repeat(201),
        "type": "EPIC",
        "deliverableType": "BLOG",
        "priority": "MEGA",
        "tags": ["Not A Tag"],
        "qcChecklist": [{"label": "  "}],
        "defaultOwnerId": unknown_person,
        "durationDays": 366,
        "description": "d".repeat(50_001),
        "subtasks": [{"title": "", "dueOffsetDays": 0}, {"title": "Late", "dueOffsetDays": 366}],
    }))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in [
        "name",
        "type",
        "deliverableType",
        "priority",
        "tags",
        "qcChecklist",
        "defaultOwnerId",
        "durationDays",
        "description",
        "subtasks",
    ] {
        assert!(
            body["details"][field].is_array(),
            "{field} is named: {body}"
        );
    }
    assert_eq!(
        body["details"]["subtasks"].as_array().unwrap().len(),
        2,
        "{body}"
    );
    for bad in [
        json!({"name": "n", "type": "TASK", "durationDays": -1}),
        json!({"name": "n", "type": "TASK", "defaultOwnerId": "nobody"}),
    ] {
        let (status, _) = call(&app, &admin, Method::POST, "/api/templates", Some(bad)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let unknown_field = Some(json!({"name": "n", "type": "TASK", "colour": "red"}));
    let status = status_of(&app, &admin, Method::POST, "/api/templates", unknown_field).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown fields are refused"
    );
    assert_eq!(template_count(&app).await, 0);

    let created = create_template(&app, &admin, json!({"name": "Plain", "type": "TASK"})).await;
    assert_eq!(created["priority"], "NORMAL");
    assert_eq!(created["durationDays"], 0);
    assert_eq!(created["subtasks"], json!([]));
    let path = format!("/api/templates/{}", created["id"].as_str().unwrap());
    let bad = Some(json!({"name": "", "subtasks": [{"title": "ok", "dueOffsetDays": -366}]}));
    let (status, body) = call(&app, &admin, Method::PATCH, &path, bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["details"]["name"].is_array() && body["details"]["subtasks"].is_array(),
        "{body}"
    );
    let (_, unchanged) = call(&app, &admin, Method::GET, &path, None).await;
    assert_eq!(unchanged["data"], created);
    let missing = format!("/api/templates/{}", uuid::Uuid::now_v7());
    let status = status_of(
        &app,
        &admin,
        Method::PATCH,
        &missing,
        Some(json!({"name": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}

async fn staff_read_but_cannot_write_templates(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = personas::admin(&app).await;
    let staff = personas::staff(&app).await;
    let created = create_template(&app, &admin, json!({"name": "Plain", "type": "TASK"})).await;
    let path = format!("/api/templates/{}", created["id"].as_str().unwrap());
    for (method, target, body) in [
        (
            Method::POST,
            "/api/templates",
            Some(json!({"name": "Mine", "type": "TASK"})),
        ),
        (Method::PATCH, path.as_str(), Some(json!({"name": "Mine"}))),
        (Method::DELETE, path.as_str(), None),
    ] {
        let status = status_of(&app, &staff, method.clone(), target, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {target}");
    }
    let (status, listed) = call(&app, &staff, Method::GET, "/api/templates", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["data"], json!([created]));
    assert_eq!(template_count(&app).await, 1);
    app.stop().await;
}

async fn an_item_made_from_a_template_copies_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = personas::admin(&app).await;
    let staff = personas::staff(&app).await;
    let template = create_template(&app, &admin, newsletter(&staff)).await;
    let item = create_item(&app, &staff, json!({"templateId": template["id"], "title": "Newsletter #12", "dueAt": "2026-12-01T15:00:00Z"})).await;
    let item_path = format!("/api/work-items/{}", item["id"].as_str().unwrap());
    let (status, fetched) = call(&app, &staff, Method::GET, &item_path, None).await;
    assert_eq!(status, StatusCode::OK);
    let fetched = &fetched["data"];
    assert_eq!(fetched, &item);
    assert_eq!(fetched["title"], "Newsletter #12");
    assert_eq!(fetched["type"], "DELIVERABLE");
    assert_eq!(fetched["deliverableType"], "NEWSLETTER");
    assert_eq!(fetched["priority"], "HIGH");
    assert_eq!(fetched["tags"], json!(["newsletter", "weekly"]));
    assert_eq!(fetched["qcChecklist"], template["qcChecklist"]);
    assert_eq!(fetched["needsProofing"], true);
    assert_eq!(fetched["proofStatus"], "PENDING");
    assert_eq!(fetched["ownerId"], staff.user.id.to_string());
    assert_eq!(fetched["templateId"], template["id"]);
    assert_eq!(fetched["description"], "Our **weekly** letter.");

    let steps = subtask::Entity::find()
        .filter(subtask::Column::WorkItemId.eq(uuid_of(&item["id"])))
        .order_by_asc(subtask::Column::Position)
        .all(app.db().conn())
        .await
        .unwrap();
    let due = |raw: &str| raw.parse::<DateTime<Utc>>().unwrap();
    let got: Vec<(String, Option<DateTime<Utc>>)> =
        steps.into_iter().map(|s| (s.title, s.due_at)).collect();
    assert_eq!(
        got,
        vec![
            ("Draft".to_string(), Some(due("2026-11-28T15:00:00Z"))),
            ("Proof".to_string(), Some(due("2026-11-30T15:00:00Z"))),
            ("Send".to_string(), Some(due("2026-12-01T15:00:00Z"))),
        ]
    );

    // A cadence uses the template: deleting it is a clear 409, and nothing changes.
    let template_id = uuid_of(&template["id"]);
    let now = Utc::now();
    cadence::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        name: Set("Weekly".into()),
        slug: Set("weekly".into()),
        template_id: Set(template_id),
        owner_id: Set(None),
        rrule: Set("FREQ=WEEKLY;BYDAY=TU".into()),
        due_time: Set("10:00".into()),
        lead_days: Set(14),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(app.db().conn())
    .await
    .unwrap();
    let path = format!("/api/templates/{template_id}");
    let (status, body) = call(&app, &admin, Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("cadence"),
        "{body}"
    );
    assert_eq!(template_count(&app).await, 1);

    // Without the cadence it goes; the item stays, no longer pointing at it.
    cadence::Entity::delete_many()
        .exec(app.db().conn())
        .await
        .unwrap();
    let status = status_of(&app, &admin, Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, kept) = call(&app, &staff, Method::GET, &item_path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(kept["data"]["templateId"].is_null());
    assert_eq!(kept["data"]["title"], "Newsletter #12");
    app.stop().await;
}

on_both_backends!(
    admins_create_change_and_delete_templates,
    invalid_templates_are_refused_together_and_nothing_is_written,
    staff_read_but_cannot_write_templates,
    an_item_made_from_a_template_copies_it,
);
