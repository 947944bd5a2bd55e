//! The integration rules admins edit: the defaults seeded by migration, validation that names
//! every problem, and create, change, delete (staff are refused).

use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

use crate::{
    on_both_backends,
    support::{Backend, TestApp, personas, work::call},
};

async fn admins_edit_the_rules(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = personas::admin(&app).await;
    let staff = personas::staff(&app).await;
    let (status, defaults) = call(
        &app,
        &admin,
        Method::GET,
        "/api/admin/integration-rules",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let types: Vec<&str> = defaults["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["eventType"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "OpportunityStatusUpdate",
            "AppointmentCreate",
            "AppointmentUpdate",
            "InboundMessage"
        ]
    );
    let (status, _) = call(
        &app,
        &staff,
        Method::GET,
        "/api/admin/integration-rules",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, refused) = call(&app, &admin, Method::POST, "/api/admin/integration-rules",
        Some(json!({"name": "", "action": "EXPLODE", "config": {"when": [1]}, "templateId": Uuid::now_v7().to_string()}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["name", "eventType", "action", "config", "templateId"] {
        assert!(refused["details"][field].is_array(), "{field}: {refused}");
    }
    let (status, created) = call(
        &app,
        &admin,
        Method::POST,
        "/api/admin/integration-rules",
        Some(json!({"name": "Contacts wait", "eventType": "ContactCreate", "action": "TRIAGE"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        created["data"]["position"], 50,
        "appended after the defaults"
    );
    let id = created["data"]["id"].as_str().unwrap();
    let (status, patched) = call(
        &app,
        &admin,
        Method::PATCH,
        &format!("/api/admin/integration-rules/{id}"),
        Some(json!({"active": false, "position": 5})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            patched["data"]["active"].clone(),
            patched["data"]["position"].clone()
        ),
        (json!(false), json!(5))
    );
    let (status, _) = call(
        &app,
        &admin,
        Method::DELETE,
        &format!("/api/admin/integration-rules/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(
        &app,
        &admin,
        Method::DELETE,
        &format!("/api/admin/integration-rules/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}

on_both_backends!(admins_edit_the_rules);
