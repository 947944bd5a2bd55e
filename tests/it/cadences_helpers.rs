//! Helpers shared by the cadence, calendar-feed and email-notification tests: an app in a
//! chosen time zone with a chosen job registry, a template with subtasks, cadences through
//! the API, and the items a cadence generated.

use ops_desktop::{
    db::entities::{subtask, work_item},
    jobs::JobRegistry,
};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::support::{Backend, TestApp, TestOptions, personas::Persona, work::call};

/// The app in `OPS_TIMEZONE=timezone`, running the jobs of `registry` (tests that generate
/// with a chosen "now" leave the scheduled cadence job out, so it cannot run alongside).
pub async fn spawn(backend: Backend, timezone: &str, registry: JobRegistry) -> TestApp {
    TestApp::spawn_with(
        backend,
        TestOptions {
            registry,
            env: vec![("OPS_TIMEZONE".into(), timezone.into())],
            ..TestOptions::default()
        },
    )
    .await
}

/// A template with two subtasks; returns its id.
pub async fn create_template(app: &TestApp, admin: &Persona) -> String {
    let body = json!({
        "name": "Newsletter",
        "type": "DELIVERABLE",
        "deliverableType": "NEWSLETTER",
        "durationDays": 3,
        "subtasks": [
            {"title": "Draft", "dueOffsetDays": -2},
            {"title": "Send", "dueOffsetDays": 0},
        ],
    });
    let (status, response) = call(app, admin, Method::POST, "/api/templates", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{response}");
    response["data"]["id"].as_str().unwrap().to_string()
}

/// Creates a cadence through the API; panics unless it was created.
pub async fn create_cadence(app: &TestApp, admin: &Persona, body: Value) -> Value {
    let (status, response) = call(app, admin, Method::POST, "/api/cadences", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{response}");
    response["data"].clone()
}

/// The items whose cadence key starts with `<slug>:`, by key.
pub async fn items_of(app: &TestApp, slug: &str) -> Vec<work_item::Model> {
    work_item::Entity::find()
        .filter(work_item::Column::CadenceKey.starts_with(format!("{slug}:")))
        .order_by_asc(work_item::Column::CadenceKey)
        .all(app.db().conn())
        .await
        .unwrap()
}

/// Asserts that `items` have distinct keys and each has the template's two subtasks (so no
/// half-created item exists).
pub async fn assert_whole_and_unique(app: &TestApp, items: &[work_item::Model]) {
    let mut keys: Vec<_> = items.iter().map(|i| i.cadence_key.clone()).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), items.len(), "every cadence key is unique");
    for item in items {
        let steps = subtask::Entity::find()
            .filter(subtask::Column::WorkItemId.eq(item.id))
            .count(app.db().conn())
            .await
            .unwrap();
        assert_eq!(steps, 2, "{:?} has its subtasks", item.cadence_key);
    }
}
