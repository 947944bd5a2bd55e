//! Health, request ids, the error format, body limits and security headers.

use axum::routing::get;
use reqwest::StatusCode;
use serde_json::Value;

use crate::{
    on_both_backends,
    support::{Backend, TestApp, TestOptions},
};

async fn healthz_answers_while_the_process_runs(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["status"], "ok");
    app.stop().await;
}

async fn every_response_carries_a_request_id(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let generated = app.get("/healthz").await;
    let id = generated.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        uuid::Uuid::parse_str(&id).is_ok(),
        "generated id is a UUID: {id}"
    );

    let kept = app
        .client
        .get(app.url("/api/nothing-here"))
        .header("x-request-id", "trace-abc_123")
        .send()
        .await
        .unwrap();
    assert_eq!(kept.headers()["x-request-id"], "trace-abc_123");

    let replaced = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "bad id\twith tabs and spaces")
        .send()
        .await
        .unwrap();
    assert_ne!(
        replaced.headers()["x-request-id"],
        "bad id\twith tabs and spaces"
    );
    app.stop().await;
}

async fn unknown_api_paths_get_a_json_404(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app.get("/api/no-such-thing").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"error": "not found"}));

    let page = app.get("/no-such-page").await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(
        !page.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("json")
    );
    app.stop().await;
}

async fn bodies_over_one_mebibyte_get_413(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let big = vec![b'x'; 1024 * 1024 + 1];
    let response = app
        .client
        .post(app.url("/api/anything"))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "request body is larger than 1 MiB");
    app.stop().await;
}

async fn a_panic_becomes_a_500_with_the_request_id_and_nothing_else(backend: Backend) {
    let options = TestOptions {
        extra_routes: axum::Router::new().route(
            "/api/test/panic",
            get(|| async {
                if true {
                    panic!("secret internal detail");
                }
                "unreachable"
            }),
        ),
        ..TestOptions::default()
    };
    let app = TestApp::spawn_with(backend, options).await;
    let response = app.get("/api/test/panic").await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    let text = response.text().await.unwrap();
    assert!(!text.contains("secret internal detail"), "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["error"], "internal error");
    assert_eq!(body["requestId"], request_id.as_str());
    app.stop().await;
}

async fn security_headers_are_on_every_response(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for path in ["/healthz", "/api/missing", "/missing"] {
        let response = app.get(path).await;
        let headers = response.headers();
        assert_eq!(
            headers["content-security-policy"],
            "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(
            headers["referrer-policy"],
            "strict-origin-when-cross-origin"
        );
        assert_eq!(headers["x-frame-options"], "DENY");
        assert!(
            headers.get("strict-transport-security").is_none(),
            "no HSTS over plain http"
        );
    }
    app.stop().await;

    let https = TestOptions {
        env: vec![("AUTH_URL".into(), "https://ops.example.com".into())],
        ..TestOptions::default()
    };
    let app = TestApp::spawn_with(backend, https).await;
    let response = app.get("/healthz").await;
    assert!(
        response.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .contains("max-age=")
    );
    app.stop().await;
}

on_both_backends!(
    healthz_answers_while_the_process_runs,
    every_response_carries_a_request_id,
    unknown_api_paths_get_a_json_404,
    bodies_over_one_mebibyte_get_413,
    a_panic_becomes_a_500_with_the_request_id_and_nothing_else,
    security_headers_are_on_every_response,
);

async fn metrics_are_served_in_prometheus_format_and_can_be_locked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.get("/healthz").await;
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = response.text().await.unwrap();
    assert!(
        text.contains("ops_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"}"),
        "{text}"
    );
    assert!(text.contains("# TYPE ops_jobs_in_queue gauge"));
    app.stop().await;

    let locked = TestApp::spawn_with(
        backend,
        TestOptions {
            env: vec![("METRICS_TOKEN".into(), "scrape-secret".into())],
            ..TestOptions::default()
        },
    )
    .await;
    assert_eq!(
        locked.get("/metrics").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let wrong = locked
        .client
        .get(locked.url("/metrics"))
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let right = locked
        .client
        .get(locked.url("/metrics"))
        .bearer_auth("scrape-secret")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), StatusCode::OK);
    locked.stop().await;
}

on_both_backends!(metrics_are_served_in_prometheus_format_and_can_be_locked);

async fn page_errors_are_friendly_html_even_before_a_handler_runs(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = crate::support::personas::staff(&app).await;
    let expired = staff
        .client
        .post(app.url("/profile/tokens"))
        .form(&[("name", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status(), StatusCode::BAD_REQUEST);
    assert!(
        expired.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        expired
            .text()
            .await
            .unwrap()
            .contains("This form has expired")
    );
    let missing = staff
        .client
        .get(app.url("/no/such/page"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing.text().await.unwrap().contains("Page not found"));
    app.stop().await;
}

on_both_backends!(page_errors_are_friendly_html_even_before_a_handler_runs);
