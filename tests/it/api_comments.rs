//! Comments over HTTP: Markdown rendered and sanitised, oldest first; only authors edit,
//! authors or admins delete; `@handle` mentions notify the one person named (never the
//! author, never anyone for a handle two people share); refused writes change nothing.

use ops_desktop::db::entities::{comment, notification};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use crate::{
    api_subtasks::{assert_invalid, create_item, send},
    on_both_backends,
    support::{Backend, TestApp, personas},
};

async fn mentions_of(app: &TestApp, person: Uuid) -> u64 {
    notification::Entity::find()
        .filter(notification::Column::UserId.eq(person))
        .filter(notification::Column::Kind.eq("MENTION"))
        .count(app.db().conn())
        .await
        .unwrap()
}

async fn comments_render_markdown_sanitised_and_list_oldest_first(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let item = create_item(&app, &staff, json!({"title": "Newsletter"})).await;
    let path = format!("/api/work-items/{}/comments", item["id"].as_str().unwrap());

    let (status, created) = send(
        &app,
        &staff,
        Method::POST,
        &path,
        Some(json!({"body": "  **bold** move <script>alert('x')</script> [a](javascript:alert(1))  "})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let first = &created["data"];
    assert_eq!(
        first["body"],
        "**bold** move <script>alert('x')</script> [a](javascript:alert(1))"
    );
    let html = first["bodyHtml"].as_str().unwrap();
    assert!(html.contains("<strong>bold</strong>"), "{html}");
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("alert('x')"), "{html}");
    assert!(!html.contains("javascript:"), "{html}");
    assert_eq!(first["authorId"], staff.user.id.to_string());
    assert_eq!(first["authorName"], staff.user.name);
    assert!(first["createdAt"].is_string() && first["updatedAt"].is_string());

    send(
        &app,
        &staff,
        Method::POST,
        &path,
        Some(json!({"body": "second"})),
    )
    .await;
    let (status, list) = send(&app, &staff, Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(list["nextCursor"].is_null());
    let bodies: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[1], "second", "oldest first");
    assert_eq!(list["data"][1]["bodyHtml"], "<p>second</p>\n");
    app.stop().await;
}

async fn only_authors_edit_and_authors_or_admins_delete(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let admin = personas::admin(&app).await;
    let other = personas::persona(&app, "olga.other@example.com", "STAFF").await;
    let item = create_item(&app, &staff, json!({"title": "Item"})).await;
    let path = format!("/api/work-items/{}/comments", item["id"].as_str().unwrap());
    let (_, one) = send(
        &app,
        &staff,
        Method::POST,
        &path,
        Some(json!({"body": "one"})),
    )
    .await;
    let (_, two) = send(
        &app,
        &staff,
        Method::POST,
        &path,
        Some(json!({"body": "two"})),
    )
    .await;
    let one = format!("/api/comments/{}", one["data"]["id"].as_str().unwrap());
    let two = format!("/api/comments/{}", two["data"]["id"].as_str().unwrap());

    for who in [&other, &admin] {
        let (status, _) = send(
            &app,
            who,
            Method::PATCH,
            &one,
            Some(json!({"body": "mine now"})),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "only the author edits");
    }
    let (status, _) = send(&app, &other, Method::DELETE, &one, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The author's invalid edit is refused as invalid (and changes nothing).
    let (status, body) = send(
        &app,
        &staff,
        Method::PATCH,
        &one,
        Some(json!({"body": " "})),
    )
    .await;
    assert_invalid(status, &body, "body");
    let (status, edited) = send(
        &app,
        &staff,
        Method::PATCH,
        &one,
        Some(json!({"body": "_one_, edited"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["data"]["body"], "_one_, edited");
    assert_eq!(edited["data"]["bodyHtml"], "<p><em>one</em>, edited</p>\n");

    let (status, _) = send(&app, &admin, Method::DELETE, &one, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "admins delete any");
    let (status, _) = send(&app, &staff, Method::DELETE, &two, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "authors delete their own");
    let (_, list) = send(&app, &staff, Method::GET, &path, None).await;
    assert_eq!(list["data"], json!([]));
    let (status, _) = send(
        &app,
        &staff,
        Method::PATCH,
        &two,
        Some(json!({"body": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}

async fn comment_writes_are_validated_completely(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let item = create_item(&app, &staff, json!({"title": "Item"})).await;
    let path = format!("/api/work-items/{}/comments", item["id"].as_str().unwrap());
    for bad in [
        json!({}),
        json!({"body": ""}),
        json!({"body": " \n "}),
        json!({"body": "x".repeat(20_001)}),
        json!({"body": "ok", "pinned": true}),
        json!({"body": 5}),
    ] {
        let (status, answer) = send(&app, &staff, Method::POST, &path, Some(bad)).await;
        assert_invalid(status, &answer, "body");
    }
    let (status, _) = send(
        &app,
        &staff,
        Method::POST,
        &path,
        Some(json!({"body": "x".repeat(20_000)})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "20,000 characters is allowed");
    assert_eq!(
        comment::Entity::find()
            .count(app.db().conn())
            .await
            .unwrap(),
        1
    );
    let unknown = Uuid::now_v7();
    for (method, path) in [
        (Method::GET, format!("/api/work-items/{unknown}/comments")),
        (Method::POST, format!("/api/work-items/{unknown}/comments")),
        (Method::POST, "/api/work-items/nope/comments".to_string()),
        (Method::PATCH, format!("/api/comments/{unknown}")),
        (Method::DELETE, format!("/api/comments/{unknown}")),
        (Method::DELETE, "/api/comments/nope".to_string()),
    ] {
        let body =
            (method == Method::POST || method == Method::PATCH).then(|| json!({"body": "x"}));
        let (status, _) = send(&app, &staff, method.clone(), &path, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}");
    }
    app.stop().await;
}

async fn mentions_notify_the_one_person_named_never_the_author_nor_a_shared_handle(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let priya = personas::create_user(&app, "priya@example.com", "Priya Patel", "STAFF").await;
    let diego =
        personas::create_user(&app, "d.alvarez@example.com", "Diego Alvarez", "STAFF").await;
    let kim = personas::create_user(&app, "alex.kim@example.com", "Alex Kim", "STAFF").await;
    let stone = personas::create_user(&app, "alex.stone@example.com", "Alex Stone", "STAFF").await;
    let item = create_item(&app, &staff, json!({"title": "Spring issue"})).await;
    let path = format!("/api/work-items/{}/comments", item["id"].as_str().unwrap());

    let text = "@Priya and @diegoalvarez please look; @alex too. Me: @sam.staff. \
                Again @priya, and mail me at someone@priya.example";
    let (status, created) = send(
        &app,
        &staff,
        Method::POST,
        &path,
        Some(json!({"body": text})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        mentions_of(&app, priya.id).await,
        1,
        "once, however often named"
    );
    assert_eq!(mentions_of(&app, diego.id).await, 1, "name without spaces");
    assert_eq!(mentions_of(&app, kim.id).await, 0, "@alex is ambiguous");
    assert_eq!(mentions_of(&app, stone.id).await, 0, "@alex is ambiguous");
    assert_eq!(mentions_of(&app, staff.user.id).await, 0, "not the author");
    let note = notification::Entity::find()
        .filter(notification::Column::UserId.eq(priya.id))
        .one(app.db().conn())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        note.work_item_id.map(|id| id.to_string()).as_deref(),
        item["id"].as_str()
    );
    assert_eq!(note.actor_id, Some(staff.user.id));
    assert!(note.body.contains("Spring issue"), "{}", note.body);

    // An edit tells only the people it newly mentions.
    let comment = format!("/api/comments/{}", created["data"]["id"].as_str().unwrap());
    let (status, _) = send(
        &app,
        &staff,
        Method::PATCH,
        &comment,
        Some(json!({"body": format!("{text} and @alex.kim (by email)")})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        mentions_of(&app, kim.id).await,
        1,
        "an email handle is unique"
    );
    assert_eq!(mentions_of(&app, priya.id).await, 1, "not told twice");
    assert_eq!(mentions_of(&app, stone.id).await, 0);
    app.stop().await;
}

on_both_backends!(
    comments_render_markdown_sanitised_and_list_oldest_first,
    only_authors_edit_and_authors_or_admins_delete,
    comment_writes_are_validated_completely,
    mentions_notify_the_one_person_named_never_the_author_nor_a_shared_handle,
);
