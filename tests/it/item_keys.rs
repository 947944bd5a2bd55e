//! Item keys (`OPS-12`): drawn by the database once per item, unique under concurrent creation,
//! never reused after a delete, and accepted wherever a link names an item, while the old id
//! links keep working and a malformed key is answered like any malformed id.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp,
        personas::{self, Persona},
        work::{call, create_item},
    },
};

const CREATORS: usize = 24;

fn number_of(key: &str) -> i64 {
    key.strip_prefix("OPS-")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{key:?} is not an item key"))
}

async fn get(app: &TestApp, who: &Persona, path: &str) -> (StatusCode, Value) {
    call(app, who, Method::GET, path, None).await
}

async fn page(app: &TestApp, who: &Persona, path: &str) -> (StatusCode, String) {
    let response = who.client.get(app.url(path)).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn concurrent_creators_get_distinct_sequential_keys(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let admin = personas::admin(&app).await;
    let requests = (0..CREATORS).map(|n| {
        let who = if n % 2 == 0 { &staff } else { &admin };
        who.api(&app, Method::POST, "/api/work-items")
            .json(&json!({"title": format!("Raced {n}")}))
            .send()
    });
    let mut numbers = BTreeSet::new();
    for response in futures_util::future::join_all(requests).await {
        let response = response.expect("request is sent");
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.unwrap();
        let key = body["data"]["key"].as_str().unwrap();
        assert!(numbers.insert(number_of(key)), "{key} given twice");
    }
    // A fresh installation counts from 1, with nothing skipped.
    assert_eq!(
        numbers.into_iter().collect::<Vec<_>>(),
        (1..=CREATORS as i64).collect::<Vec<_>>()
    );
    // The list shows each item's own key.
    let (status, list) = get(&app, &staff, "/api/work-items?limit=100").await;
    assert_eq!(status, StatusCode::OK);
    for item in list["data"].as_array().unwrap() {
        let (_, one) = get(
            &app,
            &staff,
            &format!("/api/work-items/{}", item["key"].as_str().unwrap()),
        )
        .await;
        assert_eq!(one["data"]["id"], item["id"]);
    }
    app.stop().await;
}

async fn keys_name_items_in_links_and_search(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    create_item(&app, &staff, json!({"title": "First, to move the counter"})).await;
    let item = create_item(&app, &staff, json!({"title": "Quarterly report"})).await;
    let key = item["key"].as_str().unwrap().to_string();
    assert_eq!(key, "OPS-2");
    let id = item["id"].as_str().unwrap();

    // The API by key (in any case) and by id.
    for path in [
        format!("/api/work-items/{key}"),
        format!("/api/work-items/{}", key.to_lowercase()),
        format!("/api/work-items/{id}"),
    ] {
        let (status, body) = get(&app, &staff, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(body["data"]["id"], item["id"], "{path}");
        assert_eq!(body["data"]["key"], key.as_str(), "{path}");
    }
    let (status, _) = call(
        &app,
        &staff,
        Method::PATCH,
        &format!("/api/work-items/{key}"),
        Some(json!({"priority": "HIGH"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, comment) = call(
        &app,
        &staff,
        Method::POST,
        &format!("/api/work-items/{key}/comments"),
        Some(json!({"body": "Seen"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{comment}");

    // A key no item has, and malformed keys, are answered like a malformed id.
    let (status, unknown_id) = get(&app, &staff, "/api/work-items/not-an-id").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for path in [
        "OPS-999",
        "OPS-0",
        "OPS-02",
        "OPS-x",
        "OPS-",
        "ABC-2",
        "OPS-99999999999999999999",
    ] {
        let (status, body) = get(&app, &staff, &format!("/api/work-items/{path}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body, unknown_id, "{path}");
    }

    // The page by key and by its old id link; unknown keys get the usual not-found page.
    for path in [format!("/work/{key}"), format!("/work/{id}")] {
        let (status, html) = page(&app, &staff, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(html.contains(&format!("data-item-key>{key}<")), "{path}");
    }
    let (status, _) = page(&app, &staff, "/work/OPS-999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = page(&app, &staff, "/work/OPS-1x").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Board cards and list rows show the key and link by it.
    for path in ["/board", "/work"] {
        let (_, html) = page(&app, &staff, path).await;
        assert!(html.contains(&format!("href=\"/work/{key}\"")), "{path}");
        assert!(
            html.contains(&format!("<span class=\"item-key\">{key}</span>")),
            "{path}"
        );
    }

    // Search by key finds the item (and nothing that merely shares a word).
    let (_, found) = get(&app, &staff, &format!("/api/work-items?q={key}")).await;
    let keys: Vec<&str> = found["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, [key.as_str()]);
    let (_, found) = get(&app, &staff, "/api/work-items?q=ops-1").await;
    assert_eq!(found["data"][0]["title"], "First, to move the counter");
    let (_, html) = page(&app, &staff, &format!("/work?q={key}")).await;
    assert!(html.contains("Quarterly report"));
    assert!(!html.contains("First, to move the counter"));

    // Strangers learn nothing from a key.
    let stranger = reqwest::Client::new();
    let answer = stranger
        .get(app.url(&format!("/api/work-items/{key}")))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

async fn a_deleted_items_number_is_never_given_again(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = personas::admin(&app).await;
    create_item(&app, &admin, json!({"title": "Stays"})).await;
    let newest = create_item(&app, &admin, json!({"title": "Deleted"})).await;
    assert_eq!(newest["key"], "OPS-2");
    let (status, _) = call(&app, &admin, Method::DELETE, "/api/work-items/OPS-2", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = get(&app, &admin, "/api/work-items/OPS-2").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let next = create_item(&app, &admin, json!({"title": "After the delete"})).await;
    assert_eq!(next["key"], "OPS-3");
    app.stop().await;
}

on_both_backends!(
    concurrent_creators_get_distinct_sequential_keys,
    keys_name_items_in_links_and_search,
    a_deleted_items_number_is_never_given_again,
);
