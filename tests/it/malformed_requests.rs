//! Requests that cannot name anything: a path id that is not an id answers 404 on every
//! route (the same as an id that does not exist), and a method a path does not serve answers
//! 405 with `Allow` — a friendly page for people, JSON under `/api`.

use ops_desktop::http::router::route_table;
use reqwest::{Method, StatusCode, header};

use crate::{
    on_both_backends,
    route_matrix::session_client,
    support::{Backend, TestApp, personas},
};

/// Ids that no route can resolve: not UUIDs, in the shapes fuzzers and broken clients send.
const MALFORMED_IDS: &[&str] = &["null,null", "12345", "not-an-id", "%20"];

async fn a_malformed_id_is_404_on_every_route(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = personas::create_user(&app, "ada.admin@example.com", "Ada", "ADMIN").await;
    let routes: Vec<_> = route_table()
        .into_iter()
        .filter(|route| route.path.contains("{id}"))
        .collect();
    assert!(routes.len() >= 30, "routes with an id: {}", routes.len());

    let mut failures = Vec::new();
    for route in &routes {
        for id in MALFORMED_IDS {
            let (client, csrf) = session_client(&app, admin.id).await;
            let path = route.path.replace("{id}", id);
            let request = client
                .request(route.method.clone(), app.url(&path))
                .header(header::ORIGIN, app.base_url.clone());
            let api = path.starts_with("/api/");
            let request = match (&route.method, api) {
                (&Method::GET | &Method::DELETE, _) => request,
                (_, true) => request.json(&serde_json::json!({})),
                (_, false) => request.form(&[("_csrf", csrf.as_str())]),
            };
            let response = request.send().await.unwrap();
            let status = response.status();
            let content_type = response
                .headers()
                .get(header::CONTENT_TYPE)
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            let expected_type = if api { "application/json" } else { "text/html" };
            if status != StatusCode::NOT_FOUND || !content_type.starts_with(expected_type) {
                failures.push(format!(
                    "{} {path}: {status} ({content_type})",
                    route.method
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "routes that did not answer a malformed id with 404:\n{}",
        failures.join("\n")
    );
    app.stop().await;
}

async fn a_wrong_method_gets_405_with_allow_and_a_body(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;

    for path in ["/work", "/auth/signin", "/board"] {
        let response = staff
            .client
            .delete(app.url(path))
            .header(header::ORIGIN, app.base_url.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{path}");
        let allow = response.headers()[header::ALLOW]
            .to_str()
            .unwrap()
            .to_string();
        assert!(allow.contains("GET"), "{path}: Allow: {allow}");
        let content_type = response.headers()[header::CONTENT_TYPE].to_str().unwrap();
        assert!(
            content_type.starts_with("text/html"),
            "{path}: {content_type}"
        );
        let html = response.text().await.unwrap();
        assert!(html.contains("<html"), "{path}: a whole page: {html}");
        assert!(html.contains("405"), "{path}: the page names the status");
    }

    let response = staff
        .client
        .put(app.url("/api/work-items"))
        .header(header::ORIGIN, app.base_url.clone())
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let allow = response.headers()[header::ALLOW]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        allow.contains("GET") && allow.contains("POST"),
        "Allow: {allow}"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "method not allowed on this path");
    app.stop().await;
}

on_both_backends!(
    a_malformed_id_is_404_on_every_route,
    a_wrong_method_gets_405_with_allow_and_a_body,
);
