//! `/api/palette`: what the command palette lists: items by words or key, people by name,
//! tags by their text, for signed-in people only.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp, personas,
        work::{call, create_item},
    },
};

async fn the_palette_finds_items_people_and_tags(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    create_item(
        &app,
        &staff,
        json!({"title": "Spring newsletter", "tags": ["spring-launch"]}),
    )
    .await;
    let second = create_item(
        &app,
        &staff,
        json!({"title": "Printer call", "status": "IN_REVIEW"}),
    )
    .await;

    let (status, found) = call(&app, &staff, Method::GET, "/api/palette?q=OPS-2", None).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["data"]["items"][0]["key"], second["key"]);
    assert_eq!(found["data"]["items"][0]["title"], "Printer call");
    // The status as the pages say it, for the palette to show; the code stays for clients.
    assert_eq!(found["data"]["items"][0]["status"], "IN_REVIEW");
    assert_eq!(found["data"]["items"][0]["statusLabel"], "In review");

    let (_, found) = call(&app, &staff, Method::GET, "/api/palette?q=spring", None).await;
    assert_eq!(found["data"]["items"][0]["title"], "Spring newsletter");
    assert_eq!(found["data"]["tags"], json!(["spring-launch"]));

    let (_, found) = call(&app, &staff, Method::GET, "/api/palette?q=SAM.S", None).await;
    assert_eq!(found["data"]["people"][0]["id"], staff.user.id.to_string());

    // Wildcards are taken literally.
    let (_, found) = call(&app, &staff, Method::GET, "/api/palette?q=%25", None).await;
    assert_eq!(found["data"]["people"], json!([]));
    assert_eq!(found["data"]["tags"], json!([]));

    let stranger = reqwest::Client::new();
    let answer = stranger
        .get(app.url("/api/palette?q=OPS-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

on_both_backends!(the_palette_finds_items_people_and_tags);
