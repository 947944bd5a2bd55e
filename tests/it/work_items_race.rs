//! Optimistic concurrency under real concurrency: many writers sending the same version at
//! the same moment. Exactly one may win; every other one must hear 409, never overwrite the
//! winner silently (a lost update).

use ops_desktop::db::entities::{audit_log, comment};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp,
        personas::{self, Persona},
        work::{call, create_item},
    },
};

const WRITERS: usize = 8;
const ROUNDS: usize = 4;

/// Sends `bodies` to `path` all at once and returns the statuses in order.
async fn send_together(
    app: &TestApp,
    who: &Persona,
    path: &str,
    bodies: Vec<Value>,
) -> Vec<StatusCode> {
    let requests = bodies
        .into_iter()
        .map(|body| who.api(app, Method::PATCH, path).json(&body).send());
    futures_util::future::join_all(requests)
        .await
        .into_iter()
        .map(|response| response.expect("request is sent").status())
        .collect()
}

async fn item_state(app: &TestApp, who: &Persona, id: &str) -> Value {
    let (status, body) = call(
        app,
        who,
        Method::GET,
        &format!("/api/work-items/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    body["data"].clone()
}

fn winners(statuses: &[StatusCode]) -> Vec<usize> {
    for status in statuses {
        assert!(
            *status == StatusCode::OK || *status == StatusCode::CONFLICT,
            "only 200 or 409 are acceptable answers: {statuses:?}"
        );
    }
    (0..statuses.len())
        .filter(|&i| statuses[i] == StatusCode::OK)
        .collect()
}

async fn concurrent_patches_with_one_version_have_one_winner(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let item = create_item(&app, &staff, json!({"title": "Contended"})).await;
    let id = item["id"].as_str().unwrap().to_string();
    let path = format!("/api/work-items/{id}");
    for round in 0..ROUNDS {
        let version = item_state(&app, &staff, &id).await["version"]
            .as_i64()
            .unwrap();
        let bodies = (0..WRITERS)
            .map(|writer| {
                json!({
                    "version": version,
                    "title": format!("round {round} writer {writer}"),
                    "dueAt": format!("2027-{:02}-{:02}T10:00:00Z", round + 1, writer + 1),
                })
            })
            .collect();
        let statuses = send_together(&app, &staff, &path, bodies).await;
        let won = winners(&statuses);
        assert_eq!(
            won.len(),
            1,
            "round {round}: exactly one writer wins: {statuses:?}"
        );
        let after = item_state(&app, &staff, &id).await;
        assert_eq!(after["title"], format!("round {round} writer {}", won[0]));
        assert_eq!(after["version"].as_i64().unwrap(), version + 1);
    }
    let due_changes = audit_log::Entity::find()
        .filter(audit_log::Column::WorkItemId.eq(uuid::Uuid::parse_str(&id).unwrap()))
        .filter(audit_log::Column::Action.eq("work_item.due"))
        .count(app.db().conn())
        .await
        .unwrap();
    assert_eq!(due_changes, ROUNDS as u64, "one audited change per round");
    app.stop().await;
}

async fn concurrent_qc_decisions_with_one_version_have_one_winner(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = personas::staff(&app).await;
    let proofer = personas::persona(&app, "pat.proofer@example.com", "STAFF").await;
    let item = create_item(
        &app,
        &owner,
        json!({"title": "Proof me", "needsProofing": true, "status": "IN_REVIEW"}),
    )
    .await;
    let id = item["id"].as_str().unwrap().to_string();
    let path = format!("/api/work-items/{id}/qc");
    for round in 0..ROUNDS {
        let version = item_state(&app, &proofer, &id).await["version"]
            .as_i64()
            .unwrap();
        let bodies = (0..WRITERS)
            .map(|writer| json!({"version": version, "proofStatus": "CHANGES_REQUESTED", "note": format!("round {round} note {writer}")}))
            .collect();
        let statuses = send_together(&app, &proofer, &path, bodies).await;
        let won = winners(&statuses);
        assert_eq!(
            won.len(),
            1,
            "round {round}: exactly one decision wins: {statuses:?}"
        );
        let after = item_state(&app, &proofer, &id).await;
        assert_eq!(after["version"].as_i64().unwrap(), version + 1);
    }
    let notes = comment::Entity::find()
        .filter(comment::Column::WorkItemId.eq(uuid::Uuid::parse_str(&id).unwrap()))
        .count(app.db().conn())
        .await
        .unwrap();
    assert_eq!(
        notes, ROUNDS as u64,
        "one change-request note per winning decision"
    );
    app.stop().await;
}

on_both_backends!(
    concurrent_patches_with_one_version_have_one_winner,
    concurrent_qc_decisions_with_one_version_have_one_winner,
);
