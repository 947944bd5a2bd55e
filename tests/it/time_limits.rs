//! Every request is bounded in time: a handler that takes too long, or a database that goes
//! silent, costs the caller a prompt 503, never a hang; the process stays up and writes work
//! again once the database is back. Streams are exempt from the request timeout and end at
//! their own limit.

use std::time::{Duration, Instant};

use axum::routing::get;
use reqwest::{Method, StatusCode, header};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::{
    on_both_backends,
    support::{Backend, TestApp, TestOptions, outage::OutageSwitch, personas, wait_until},
};

/// Short limits so the test is quick: requests 2 s, statements and connections 1 s.
const SHORT_LIMITS: &[(&str, &str)] = &[
    ("REQUEST_TIMEOUT_SECS", "2"),
    ("DATABASE_STATEMENT_TIMEOUT_SECS", "1"),
    ("DATABASE_ACQUIRE_TIMEOUT_SECS", "1"),
];

/// The request limit plus room for a busy machine; before the limits existed, a silent
/// database held requests for minutes.
const ANSWERED_WITHIN: Duration = Duration::from_millis(3500);

async fn a_slow_handler_is_cut_off_with_503(backend: Backend) {
    let slow = || async {
        tokio::time::sleep(Duration::from_secs(10)).await;
        "too late"
    };
    let app = TestApp::spawn_with(
        backend,
        TestOptions {
            env: vec![("REQUEST_TIMEOUT_SECS".into(), "1".into())],
            extra_routes: axum::Router::new()
                .route("/api/test/slow", get(slow))
                .route("/test/slow", get(slow)),
            ..TestOptions::default()
        },
    )
    .await;
    let started = Instant::now();
    let api = app.get("/api/test/slow").await;
    assert!(
        started.elapsed() < ANSWERED_WITHIN,
        "{:?}",
        started.elapsed()
    );
    assert_eq!(api.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(api.headers().contains_key(header::RETRY_AFTER));
    let body: Value = api.json().await.unwrap();
    assert_eq!(
        body["error"],
        "the request took too long; try again in a moment"
    );

    let page = app.get("/test/slow").await;
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.headers().contains_key(header::RETRY_AFTER));
    let content_type = page.headers()[header::CONTENT_TYPE].to_str().unwrap();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    app.stop().await;
}

async fn a_silent_database_costs_a_prompt_503_and_writes_resume_after(backend: Backend) {
    let (app, mut outage) = OutageSwitch::spawn(backend, SHORT_LIMITS).await;
    if outage.is_postgres() {
        let setting = |name: &'static str| {
            let db = app.db().clone();
            async move {
                let row = db
                    .conn()
                    .query_one_raw(Statement::from_string(db.backend(), format!("SHOW {name}")))
                    .await
                    .unwrap()
                    .unwrap();
                row.try_get_by_index::<String>(0).unwrap()
            }
        };
        assert_eq!(setting("statement_timeout").await, "1s");
        assert_eq!(setting("tcp_keepalives_idle").await, "30");
    }
    let staff = personas::staff(&app).await;
    let item: Value = staff
        .api(&app, Method::POST, "/api/work-items")
        .json(&json!({"title": "Before the partition"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = item["data"]["id"].as_str().unwrap().to_string();

    outage.black_hole().await;
    let mut requests = JoinSet::new();
    for round in 0..6 {
        let calls = [
            (Method::POST, "/api/work-items".to_string(), true),
            (Method::PATCH, format!("/api/work-items/{id}"), true),
            (Method::GET, "/api/work-items".to_string(), false),
            (Method::GET, "/work".to_string(), false),
        ];
        for (method, path, write) in calls {
            let request = staff
                .api(&app, method.clone(), &path)
                .timeout(Duration::from_secs(30));
            let request = match (&method, write) {
                (&Method::POST, _) => request.json(&json!({"title": format!("During {round}")})),
                (&Method::PATCH, _) => request
                    .header("if-match", "\"1\"")
                    .json(&json!({"title": "Renamed"})),
                _ => request,
            };
            requests.spawn(async move {
                let started = Instant::now();
                let status = request.send().await.map(|r| r.status());
                (method, path, write, status, started.elapsed())
            });
        }
    }
    let healthz = Instant::now();
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    assert!(
        healthz.elapsed() < Duration::from_secs(1),
        "liveness is not held up"
    );

    let mut failures = Vec::new();
    while let Some(joined) = requests.join_next().await {
        let (method, path, write, status, took) = joined.unwrap();
        let status = status.map_err(|error| error.to_string());
        // A silent PostgreSQL answers nothing. SQLite under a held write lock still reads,
        // unless the writers waiting for the lock hold every pooled connection, so a read
        // may wait for a connection until its own limit.
        let expected: &[StatusCode] = if write || outage.is_postgres() {
            &[StatusCode::SERVICE_UNAVAILABLE]
        } else {
            &[StatusCode::OK, StatusCode::SERVICE_UNAVAILABLE]
        };
        let as_expected = status
            .as_ref()
            .is_ok_and(|status| expected.contains(status));
        if !as_expected || took > ANSWERED_WITHIN {
            failures.push(format!("{method} {path}: {status:?} after {took:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "requests held or failed:\n{}",
        failures.join("\n")
    );

    outage.end().await;
    wait_until(15, "a write to succeed after the partition", || async {
        let response = staff
            .api(&app, Method::POST, "/api/work-items")
            .timeout(Duration::from_secs(10))
            .json(&json!({"title": "After the partition"}))
            .send()
            .await;
        response.is_ok_and(|r| r.status() == StatusCode::CREATED)
    })
    .await;
    for n in 0..5 {
        let started = Instant::now();
        let response = staff
            .api(&app, Method::POST, "/api/work-items")
            .json(&json!({"title": format!("Steady {n}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }
    app.stop().await;
}

async fn live_streams_outlast_the_request_timeout_and_end_at_their_own(backend: Backend) {
    let app = TestApp::spawn_with(
        backend,
        TestOptions {
            env: vec![
                ("REQUEST_TIMEOUT_SECS".into(), "1".into()),
                ("STREAM_MAX_SECS".into(), "3".into()),
            ],
            ..TestOptions::default()
        },
    )
    .await;
    let staff = personas::staff(&app).await;
    let started = Instant::now();
    let mut stream = staff
        .client
        .get(app.url("/api/stream"))
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    while stream.chunk().await.unwrap().is_some() {}
    let lived = started.elapsed();
    assert!(
        lived >= Duration::from_millis(2500) && lived < Duration::from_secs(8),
        "the stream lived {lived:?}"
    );
    app.stop().await;
}

on_both_backends!(
    a_slow_handler_is_cut_off_with_503,
    a_silent_database_costs_a_prompt_503_and_writes_resume_after,
    live_streams_outlast_the_request_timeout_and_end_at_their_own,
);

/// The live-update listener opens its own connection outside the pool. When it reconnects
/// into a silent network, its attempt gives up at the connect limit and it tries again, so it
/// is back once the network is (an unbounded attempt would wait in the black hole forever).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_listener_reconnects_after_a_silent_network() {
    if !crate::support::database::postgres_available() {
        return;
    }
    let (app, mut outage) = OutageSwitch::spawn(Backend::Postgres, SHORT_LIMITS).await;
    let hub = app.app.live.clone();
    let listening = |wanted: bool| {
        let hub = hub.clone();
        move || {
            let hub = hub.clone();
            async move { hub.is_listening() == wanted }
        }
    };
    wait_until(10, "the listener to connect", listening(true)).await;

    outage.black_hole().await;
    // Its heartbeat goes unanswered; then each reconnection attempt meets the black hole.
    wait_until(30, "the listener to notice the silence", listening(false)).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    outage.end().await;
    wait_until(15, "the listener to be back", listening(true)).await;
    app.stop().await;
}
