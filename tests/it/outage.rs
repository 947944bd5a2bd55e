//! A database outage is the dependency being down, not our bug: 503 with `Retry-After`, JSON
//! under `/api` and the friendly page elsewhere, never a 500; and everything works again once
//! the database is back.

use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

use crate::{
    on_both_backends,
    support::{Backend, outage::OutageSwitch, personas, wait_until},
};

fn retry_after(response: &reqwest::Response) -> u64 {
    response
        .headers()
        .get(header::RETRY_AFTER)
        .unwrap_or_else(|| panic!("{} without Retry-After", response.status()))
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

async fn a_database_outage_answers_503_not_500(backend: Backend) {
    let (app, mut outage) = OutageSwitch::spawn(backend, &[]).await;
    let staff = personas::staff(&app).await;
    let create = |title: &str| {
        staff
            .api(&app, Method::POST, "/api/work-items")
            .json(&json!({"title": title}))
            .send()
    };
    assert_eq!(
        create("Before").await.unwrap().status(),
        StatusCode::CREATED
    );

    outage.begin().await;

    let api_write = create("During").await.unwrap();
    assert_eq!(api_write.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(retry_after(&api_write) >= 1);
    let body: Value = api_write.json().await.unwrap();
    assert_eq!(
        body["error"],
        "the database is unavailable; try again in a moment"
    );

    let page_write = staff
        .post_form(&app, "/work/new", &[("title", "During"), ("type", "TASK")])
        .await;
    assert_eq!(page_write.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(retry_after(&page_write) >= 1);
    let html = page_write.text().await.unwrap();
    assert!(
        html.contains("Something we depend on is unavailable"),
        "{html}"
    );

    if outage.is_postgres() {
        // Without a link, reads fail too; SQLite under a write lock still reads.
        let api_read = staff
            .client
            .get(app.url("/api/work-items"))
            .send()
            .await
            .unwrap();
        assert_eq!(api_read.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(retry_after(&api_read) >= 1);
        let page_read = staff.client.get(app.url("/work")).send().await.unwrap();
        assert_eq!(page_read.status(), StatusCode::SERVICE_UNAVAILABLE);
        let content_type = page_read.headers()[header::CONTENT_TYPE].to_str().unwrap();
        assert!(content_type.starts_with("text/html"), "{content_type}");

        let ready = app.get("/readyz").await;
        assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body: Value = ready.json().await.unwrap();
        assert_eq!(body["error"], "database unavailable");
    }
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);

    outage.end().await;
    wait_until(20, "writes to succeed again", || async {
        create("After").await.unwrap().status() == StatusCode::CREATED
    })
    .await;
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
    app.stop().await;
}

on_both_backends!(a_database_outage_answers_503_not_500);
