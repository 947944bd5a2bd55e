//! QC and proofing: the gate on DONE, who may approve, and what "changes requested" does.

use ops_desktop::db::entities::{comment, notification};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp, personas,
        work::{call, create_item, patch_item},
    },
};

async fn the_qc_gate_and_approvals(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = personas::admin(&app).await;
    let owner = personas::staff(&app).await;
    let proofer = personas::persona(&app, "pat.proofer@example.com", "STAFF").await;
    let item = create_item(&app, &owner, json!({"title": "Newsletter 15", "ownerId": owner.user.id.to_string(), "needsProofing": true, "status": "IN_REVIEW"})).await;
    assert_eq!(
        item["proofStatus"], "PENDING",
        "turning proofing on starts it PENDING"
    );
    let qc_path = format!("/api/work-items/{}/qc", item["id"].as_str().unwrap());

    let (status, body) = patch_item(&app, &owner, &item["id"], json!({"status": "DONE"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("must approve the proof before this can be Done"),
        "{body}"
    );

    let (status, _) = call(
        &app,
        &owner,
        Method::PATCH,
        &qc_path,
        Some(json!({"proofStatus": "APPROVED"})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "an owner cannot approve their own item"
    );
    let (status, _) = call(
        &app,
        &proofer,
        Method::PATCH,
        &qc_path,
        Some(json!({"proofStatus": "MAYBE"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, body) = call(&app, &proofer, Method::PATCH, &qc_path, Some(json!({"proofStatus": "APPROVED", "tbpGraphicsLocation": "https://drive.example.com/n15", "qcChecklist": [{"label": "Links tested", "checked": true}]}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["proofStatus"], "APPROVED");
    assert_eq!(body["data"]["proofedById"], proofer.user.id.to_string());
    assert!(body["data"]["proofedAt"].is_string());
    assert_eq!(
        body["data"]["qcChecklist"],
        json!([{"label": "Links tested", "checked": true}])
    );
    let (status, body) = patch_item(&app, &owner, &item["id"], json!({"status": "DONE"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Four eyes, always: not even an admin approves their own item.
    let own = create_item(&app, &admin, json!({"title": "Admin's piece", "ownerId": admin.user.id.to_string(), "needsProofing": true})).await;
    let (status, _) = call(
        &app,
        &admin,
        Method::PATCH,
        &format!("/api/work-items/{}/qc", own["id"].as_str().unwrap()),
        Some(json!({"proofStatus": "APPROVED"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, qc) = call(
        &app,
        &admin,
        Method::GET,
        &format!("/api/work-items/{}/qc", own["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(qc["data"]["proofStatus"], "PENDING");
    app.stop().await;
}

async fn changes_requested_reopens_comments_and_notifies(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = personas::staff(&app).await;
    let proofer = personas::persona(&app, "pat.proofer@example.com", "STAFF").await;
    let item = create_item(&app, &owner, json!({"title": "Blog draft", "ownerId": owner.user.id.to_string(), "needsProofing": true, "status": "IN_REVIEW"})).await;
    let qc_path = format!("/api/work-items/{}/qc", item["id"].as_str().unwrap());
    let (status, body) = call(
        &app,
        &proofer,
        Method::PATCH,
        &qc_path,
        Some(json!({"proofStatus": "CHANGES_REQUESTED"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["details"]["note"].is_array());
    let (status, _) = call(
        &app,
        &proofer,
        Method::PATCH,
        &qc_path,
        Some(json!({"proofStatus": "CHANGES_REQUESTED", "note": "The second link is broken."})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, fetched) = call(
        &app,
        &owner,
        Method::GET,
        &format!("/api/work-items/{}", item["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(fetched["data"]["status"], "IN_PROGRESS");
    assert_eq!(fetched["data"]["proofStatus"], "CHANGES_REQUESTED");
    let item_id = uuid::Uuid::parse_str(item["id"].as_str().unwrap()).unwrap();
    let comments = comment::Entity::find()
        .filter(comment::Column::WorkItemId.eq(item_id))
        .all(app.db().conn())
        .await
        .unwrap();
    assert_eq!(comments.len(), 1);
    assert!(comments[0].body.contains("The second link is broken."));
    assert_eq!(comments[0].author_id, Some(proofer.user.id));
    let told = notification::Entity::find()
        .filter(notification::Column::UserId.eq(owner.user.id))
        .filter(notification::Column::Kind.eq("CHANGES_REQUESTED"))
        .all(app.db().conn())
        .await
        .unwrap();
    assert_eq!(told.len(), 1);
    assert!(told[0].body.contains("second link"));
    app.stop().await;
}

on_both_backends!(
    the_qc_gate_and_approvals,
    changes_requested_reopens_comments_and_notifies
);
