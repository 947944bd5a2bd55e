//! Helpers for tests that create and change work items through the API.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::{TestApp, personas::Persona};

/// Sends a JSON request as `who` and returns the status and parsed body.
pub async fn call(
    app: &TestApp,
    who: &Persona,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = who.api(app, method, path);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request is sent");
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Creates an item and returns its JSON; panics unless it was created.
pub async fn create_item(app: &TestApp, who: &Persona, body: Value) -> Value {
    let (status, response) = call(app, who, Method::POST, "/api/work-items", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "create failed: {response}");
    response["data"].clone()
}

/// Changes an item and returns the status and body.
pub async fn patch_item(
    app: &TestApp,
    who: &Persona,
    id: &Value,
    body: Value,
) -> (StatusCode, Value) {
    call(
        app,
        who,
        Method::PATCH,
        &format!("/api/work-items/{}", id.as_str().unwrap()),
        Some(body),
    )
    .await
}

/// Lists items with a raw query string and returns `(ids or titles, nextCursor)`.
pub async fn list(app: &TestApp, who: &Persona, query: &str) -> (StatusCode, Value) {
    call(
        app,
        who,
        Method::GET,
        &format!("/api/work-items?{query}"),
        None,
    )
    .await
}

/// The titles in a list response.
pub fn titles(body: &Value) -> Vec<String> {
    body["data"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| i["title"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}
