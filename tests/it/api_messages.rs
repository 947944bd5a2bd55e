//! Messages over HTTP: outbound ones are `LOGGED`, inbound ones `RECEIVED` (and the owner
//! hears the client replied); listed oldest first; refused writes change nothing.

use ops_desktop::db::entities::{message, notification};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use crate::{
    api_subtasks::{assert_invalid, create_item, send},
    on_both_backends,
    support::{Backend, TestApp, personas},
};

async fn messages_are_logged_received_and_listed_oldest_first(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let admin = personas::admin(&app).await;
    let item = create_item(
        &app,
        &admin,
        json!({"title": "Acme brochure", "ownerId": admin.user.id, "ghlContactId": "c-1"}),
    )
    .await;
    let path = format!("/api/work-items/{}/messages", item["id"].as_str().unwrap());

    let (status, sent) = send(
        &app,
        &staff,
        Method::POST,
        &path,
        Some(json!({"channel": "EMAIL", "body": "  Proof attached.  "})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let sent = &sent["data"];
    assert_eq!(sent["direction"], "OUTBOUND");
    assert_eq!(sent["channel"], "EMAIL");
    assert_eq!(sent["status"], "LOGGED");
    assert_eq!(sent["body"], "Proof attached.");
    assert_eq!(sent["authorId"], staff.user.id.to_string());
    assert_eq!(sent["authorName"], staff.user.name);
    assert_eq!(sent["workItemId"], item["id"]);

    let (status, received) = send(
        &app,
        &staff,
        Method::POST,
        &path,
        Some(json!({"channel": "SMS", "body": "Looks great!", "direction": "INBOUND"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{received}");
    assert_eq!(received["data"]["status"], "RECEIVED");
    assert_eq!(received["data"]["direction"], "INBOUND");
    let replies = notification::Entity::find()
        .filter(notification::Column::UserId.eq(admin.user.id))
        .filter(notification::Column::Kind.eq("CLIENT_REPLY"))
        .count(app.db().conn())
        .await
        .unwrap();
    assert_eq!(replies, 1, "the owner hears the client replied");
    send(
        &app,
        &staff,
        Method::POST,
        &path,
        Some(json!({"channel": "NOTE", "body": "called them"})),
    )
    .await;

    let (status, list) = send(&app, &staff, Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(list["nextCursor"].is_null());
    let channels: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["channel"].as_str().unwrap())
        .collect();
    assert_eq!(channels, ["EMAIL", "SMS", "NOTE"], "oldest first");
    app.stop().await;
}

async fn message_writes_are_validated_completely(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let item = create_item(&app, &staff, json!({"title": "Item"})).await;
    let path = format!("/api/work-items/{}/messages", item["id"].as_str().unwrap());
    let post = |body| send(&app, &staff, Method::POST, &path, Some(body));

    let (status, body) = post(json!({})).await;
    assert_invalid(status, &body, "channel");
    assert_invalid(status, &body, "body");
    let (status, body) = post(json!({"channel": "FAX", "body": "hi"})).await;
    assert_invalid(status, &body, "channel");
    let (status, body) = post(json!({"channel": "email", "body": "hi"})).await;
    assert_invalid(status, &body, "channel");
    let (status, body) =
        post(json!({"channel": "SMS", "body": "hi", "direction": "SIDEWAYS"})).await;
    assert_invalid(status, &body, "direction");
    let (status, body) = post(json!({"channel": "SMS", "body": "   "})).await;
    assert_invalid(status, &body, "body");
    let (status, body) = post(json!({"channel": "SMS", "body": "x".repeat(10_001)})).await;
    assert_invalid(status, &body, "body");
    let (status, body) = post(json!({"channel": "SMS", "body": "hi", "status": "SENT"})).await;
    assert_invalid(status, &body, "body");
    assert_eq!(
        message::Entity::find()
            .count(app.db().conn())
            .await
            .unwrap(),
        0,
        "nothing was written"
    );
    let (status, _) = post(json!({"channel": "SMS", "body": "x".repeat(10_000)})).await;
    assert_eq!(status, StatusCode::CREATED);

    let unknown = uuid::Uuid::now_v7();
    for (method, path) in [
        (Method::GET, format!("/api/work-items/{unknown}/messages")),
        (Method::POST, format!("/api/work-items/{unknown}/messages")),
        (Method::GET, "/api/work-items/42/messages".to_string()),
    ] {
        let body = (method == Method::POST).then(|| json!({"channel": "SMS", "body": "hi"}));
        let (status, _) = send(&app, &staff, method.clone(), &path, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}");
    }
    app.stop().await;
}

on_both_backends!(
    messages_are_logged_received_and_listed_oldest_first,
    message_writes_are_validated_completely,
);
