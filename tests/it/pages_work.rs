//! The work pages without JavaScript: the list by URL, the board, the item page's forms,
//! creating from a template, and the live-update stream.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp, personas,
        work::{call, create_item},
    },
};

async fn html(app: &TestApp, who: &personas::Persona, path: &str) -> (StatusCode, String) {
    let response = who.client.get(app.url(path)).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

fn flash_location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_string()
}

async fn the_work_list_filters_by_url(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    create_item(
        &app,
        &staff,
        json!({"title": "Spring newsletter", "tags": ["spring"], "status": "IN_REVIEW"}),
    )
    .await;
    create_item(
        &app,
        &staff,
        json!({"title": "Autumn brochure", "tags": ["autumn"]}),
    )
    .await;
    let (status, page) = html(&app, &staff, "/work?tag=spring").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Spring newsletter") && !page.contains("Autumn brochure"));
    let (_, page) = html(&app, &staff, "/work?status=IN_REVIEW&q=&owner=&sort=dueAt").await;
    assert!(
        page.contains("Spring newsletter") && !page.contains("Autumn brochure"),
        "blank fields are no filter"
    );
    let (status, page) = html(&app, &staff, "/work?status=DOING").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("status must be one of"));
    let (_, empty) = html(&app, &staff, "/work?tag=nothing-here").await;
    assert!(empty.contains("No work matches these filters"));
    app.stop().await;
}

async fn the_board_shows_columns_and_the_move_menu_enforces_the_qc_gate(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let item = create_item(
        &app,
        &staff,
        json!({"title": "Proof me", "needsProofing": true, "status": "IN_REVIEW"}),
    )
    .await;
    for n in 0..55 {
        create_item(&app, &staff, json!({"title": format!("Backlog {n}")})).await;
    }
    let (status, page) = html(&app, &staff, "/board").await;
    assert_eq!(status, StatusCode::OK);
    for column in [
        "BACKLOG",
        "PLANNED",
        "IN_PROGRESS",
        "IN_REVIEW",
        "DONE",
        "CANCELLED",
    ] {
        assert!(
            page.contains(&format!("data-status=\"{column}\"")),
            "{column} column"
        );
    }
    assert_eq!(
        page.matches("class=\"item-card\"").count(),
        51,
        "50 backlog cards + 1, no more"
    );
    assert!(page.contains("/board?more=BACKLOG"));
    let (_, more) = html(&app, &staff, "/board?more=BACKLOG").await;
    assert_eq!(more.matches("class=\"item-card\"").count(), 56);

    let id = item["id"].as_str().unwrap();
    let refused = staff
        .post_form(
            &app,
            &format!("/board/cards/{id}/move"),
            &[("status", "DONE"), ("version", "1")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FOUND);
    let (_, after) = html(&app, &staff, &flash_location(&refused)).await;
    assert!(
        after.contains("Not moved")
            && after.contains("must approve the proof before this can be Done"),
        "the QC gate's reason is shown"
    );
    let moved = staff
        .post_form(
            &app,
            &format!("/board/cards/{id}/move"),
            &[("status", "PLANNED"), ("version", "1")],
        )
        .await;
    assert_eq!(moved.status(), StatusCode::FOUND);
    let (_, card) = html(&app, &staff, &format!("/board/cards/{id}")).await;
    assert!(card.contains("data-status=\"PLANNED\"") && card.contains("Needs proofing"));
    app.stop().await;
}

async fn the_item_page_edits_everything_through_forms(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = personas::admin(&app).await;
    let staff = personas::staff(&app).await;
    let item = create_item(
        &app,
        &staff,
        json!({"title": "Brochure", "ownerId": staff.user.id.to_string()}),
    )
    .await;
    let id = item["id"].as_str().unwrap().to_string();
    let (status, page) = html(&app, &staff, &format!("/work/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("data-item-id") && page.contains("form id=\"item-fields\""));

    let saved = staff
        .post_form(
            &app,
            &format!("/work/{id}"),
            &[
                ("version", "1"),
                ("title", "Brochure v2"),
                ("status", "IN_PROGRESS"),
                ("priority", "HIGH"),
                ("type", "DELIVERABLE"),
                ("owner_id", &staff.user.id.to_string()),
                ("start_at", "2027-05-01T09:00"),
                ("due_at", "2027-05-03T17:00"),
                ("deliverable_type", "PRINT"),
                ("client", "Acme"),
                ("tags", "print spring"),
                ("waiting_on_user_id", &admin.user.id.to_string()),
                ("waiting_reason", "Approve the fold"),
                ("description", "**Bold** plan"),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::FOUND);
    let (_, fetched) = call(
        &app,
        &staff,
        reqwest::Method::GET,
        &format!("/api/work-items/{id}"),
        None,
    )
    .await;
    let data = &fetched["data"];
    assert_eq!(data["title"], "Brochure v2");
    assert_eq!(data["deliverableType"], "PRINT");
    assert_eq!(data["tags"], json!(["print", "spring"]));
    assert_eq!(
        data["dueAt"], "2027-05-03T17:00:00Z",
        "local time in OPS_TIMEZONE (UTC here)"
    );
    assert_eq!(data["waitingReason"], "Approve the fold");

    let stale = staff
        .post_form(
            &app,
            &format!("/work/{id}"),
            &[("version", "1"), ("title", "Lost")],
        )
        .await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let after = stale.text().await.unwrap();
    assert!(
        after.contains("Not saved yet")
            && after.contains("value=\"Lost\"")
            && after.contains("role=\"alert\""),
        "a stale save keeps what was typed and says it is not saved"
    );

    staff
        .post_form(
            &app,
            &format!("/work/{id}/subtasks"),
            &[("title", "Check the fold"), ("due_at", "")],
        )
        .await;
    staff
        .post_form(
            &app,
            &format!("/work/{id}/comments"),
            &[("body", "Looks **great**, @ada")],
        )
        .await;
    staff
        .post_form(
            &app,
            &format!("/work/{id}/messages"),
            &[
                ("channel", "EMAIL"),
                ("direction", "OUTBOUND"),
                ("body", "Proof attached"),
            ],
        )
        .await;
    let (_, page) = html(&app, &staff, &format!("/work/{id}")).await;
    assert!(page.contains("Check the fold"));
    assert!(
        page.contains("<strong>great</strong>"),
        "comments are rendered Markdown"
    );
    assert!(page.contains("Proof attached"));
    assert!(
        page.contains("moved it from Backlog to In progress") && page.contains("now waits on"),
        "history is shown in words"
    );

    let subtask: Value = call(
        &app,
        &staff,
        reqwest::Method::GET,
        &format!("/api/work-items/{id}/subtasks"),
        None,
    )
    .await
    .1;
    let subtask_id = subtask["data"][0]["id"].as_str().unwrap();
    staff
        .post_form(
            &app,
            &format!("/subtasks/{subtask_id}/toggle"),
            &[("item_id", &id), ("done", "true")],
        )
        .await;
    let subtask: Value = call(
        &app,
        &staff,
        reqwest::Method::GET,
        &format!("/api/work-items/{id}/subtasks"),
        None,
    )
    .await
    .1;
    assert_eq!(subtask["data"][0]["done"], true);

    // QC through the panel: on, then approved by someone else.
    staff
        .post_form(
            &app,
            &format!("/work/{id}/qc"),
            &[
                ("version", "2"),
                ("needs_proofing", "true"),
                ("label_new", "Fold checked"),
            ],
        )
        .await;
    let approved = admin
        .post_form(
            &app,
            &format!("/work/{id}/qc"),
            &[("decision", "APPROVED"), ("confirm_unticked", "true")],
        )
        .await;
    assert_eq!(approved.status(), StatusCode::FOUND);
    let (_, fetched) = call(
        &app,
        &staff,
        reqwest::Method::GET,
        &format!("/api/work-items/{id}"),
        None,
    )
    .await;
    assert_eq!(fetched["data"]["proofStatus"], "APPROVED");
    assert_eq!(fetched["data"]["qcChecklist"][0]["label"], "Fold checked");

    // Deleting needs an admin and the confirmation box.
    let unconfirmed = admin
        .post_form(&app, &format!("/work/{id}/delete"), &[])
        .await;
    assert!(flash_location(&unconfirmed).starts_with(&format!("/work/{id}")));
    let staff_try = staff
        .post_form(&app, &format!("/work/{id}/delete"), &[("confirm", "yes")])
        .await;
    assert_eq!(flash_location(&staff_try), "/");
    let deleted = admin
        .post_form(&app, &format!("/work/{id}/delete"), &[("confirm", "yes")])
        .await;
    assert_eq!(flash_location(&deleted), "/work");
    let (status, _) = html(&app, &staff, &format!("/work/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}

async fn new_items_come_from_templates(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    ops_desktop::services::demo::seed(app.db(), crate::support::personas::PASSWORD)
        .await
        .unwrap();
    let (status, page) = html(&app, &staff, "/work/new").await;
    assert_eq!(status, StatusCode::OK);
    let marker = "<option value=\"";
    let newsletter = page
        .split(marker)
        .find(|chunk| chunk.contains(">Weekly newsletter<"))
        .unwrap();
    let template_id = &newsletter[..36];
    let created = staff
        .post_form(
            &app,
            "/work/new",
            &[
                ("template_id", template_id),
                ("title", "Issue 16"),
                ("due_at", "2027-06-01T10:00"),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::FOUND);
    let location = flash_location(&created);
    let id = location.trim_start_matches("/work/");
    let (_, item) = call(
        &app,
        &staff,
        reqwest::Method::GET,
        &format!("/api/work-items/{id}"),
        None,
    )
    .await;
    assert_eq!(item["data"]["deliverableType"], "NEWSLETTER");
    assert_eq!(item["data"]["proofStatus"], "PENDING");
    let invalid = staff.post_form(&app, "/work/new", &[("title", " ")]).await;
    assert_eq!(invalid.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(invalid.text().await.unwrap().contains("title"));
    app.stop().await;
}

async fn the_stream_sends_other_peoples_changes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let item = create_item(&app, &staff, json!({"title": "Live"})).await;
    let mut stream = staff
        .client
        .get(app.url("/api/stream"))
        .send()
        .await
        .unwrap();
    assert!(
        stream.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    call(
        &app,
        &staff,
        reqwest::Method::PATCH,
        &format!("/api/work-items/{}", item["id"].as_str().unwrap()),
        Some(json!({"status": "PLANNED"})),
    )
    .await;
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !seen.contains("PLANNED") && tokio::time::Instant::now() < deadline {
        if let Ok(Ok(Some(chunk))) =
            tokio::time::timeout(Duration::from_secs(5), stream.chunk()).await
        {
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
    assert!(
        seen.contains("event: item") && seen.contains("PLANNED"),
        "{seen}"
    );
    app.stop().await;
}

on_both_backends!(
    the_work_list_filters_by_url,
    the_board_shows_columns_and_the_move_menu_enforces_the_qc_gate,
    the_item_page_edits_everything_through_forms,
    new_items_come_from_templates,
    the_stream_sends_other_peoples_changes,
);
