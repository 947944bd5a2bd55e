//! Untrusted input is bounded and parsed before it is used anywhere: huge or invalid sign-in
//! input never becomes a rate-limit key or audit text, refusals are audited once per key and
//! window, limiter rows are swept, and control characters are refused at the edge.

use chrono::TimeDelta;
use ops_desktop::{
    db::{entities::rate_limit, time},
    services::{audit, rate_limits},
};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};
use serde_json::{Value, json};

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp, TestOptions,
        personas::{self, PASSWORD, hidden_csrf, new_client},
    },
};

/// The sign-in form's CSRF token for `client`.
pub async fn form_csrf(app: &TestApp, client: &reqwest::Client) -> String {
    let page = client
        .get(app.url("/auth/signin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    hidden_csrf(&page)
}

pub async fn audit_rows(app: &TestApp) -> u64 {
    ops_desktop::db::entities::audit_log::Entity::find()
        .count(app.db().conn())
        .await
        .unwrap()
}

fn with_env(vars: &[(&str, &str)]) -> TestOptions {
    TestOptions {
        env: vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..TestOptions::default()
    }
}

async fn huge_or_invalid_sign_in_input_never_becomes_a_key_or_audit_text(backend: Backend) {
    let app = TestApp::spawn_with(
        backend,
        with_env(&[
            ("RATE_LIMIT_SIGNIN_PER_MINUTE", "3"),
            ("RATE_LIMIT_SIGNIN_ADDRESS_PER_MINUTE", "5"),
        ]),
    )
    .await;
    personas::create_user(&app, "ana@example.com", "Ana", "STAFF").await;
    let client = new_client();
    let csrf = form_csrf(&app, &client).await;
    // Distinct, huge values (200 KiB each): the attack that grew memory and the database.
    for n in 0..12 {
        let huge = format!("{n}{}@example.com", "a".repeat(200 * 1024));
        for path in ["/auth/signin/password", "/auth/signin/email"] {
            let response = client
                .post(app.url(path))
                .form(&[
                    ("_csrf", csrf.as_str()),
                    ("email", huge.as_str()),
                    ("password", "whatever it is"),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{path}"
            );
            let page = response.text().await.unwrap();
            assert!(page.contains("at most 254 characters"), "a clear message");
            assert!(page.len() < 100_000, "the value is not echoed back");
        }
    }
    for invalid in ["not-an-address", "a@b", "@example.com", ""] {
        let response = client
            .post(app.url("/auth/signin/password"))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("email", invalid),
                ("password", "x"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{invalid}"
        );
    }
    assert_eq!(
        audit_rows(&app).await,
        0,
        "invalid input writes no audit row"
    );
    assert_eq!(
        rate_limits::stored_keys(app.db()).await.unwrap(),
        0,
        "invalid input never becomes a limiter key"
    );

    // Thirty distinct valid addresses from one address: five are tried, the rest refused at
    // the address without a row or an audit entry of their own.
    let mut statuses = Vec::new();
    for n in 0..30 {
        let response = client
            .post(app.url("/auth/signin/password"))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("email", format!("nobody{n}@example.com").as_str()),
                ("password", "wrong password"),
            ])
            .send()
            .await
            .unwrap();
        statuses.push(response.status());
    }
    assert!(statuses[..5].iter().all(|s| *s == StatusCode::UNAUTHORIZED));
    assert!(
        statuses[5..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS)
    );
    let failures = audit::recent_by_action(app.db().conn(), "signin.failure", 100)
        .await
        .unwrap();
    let hits = audit::recent_by_action(app.db().conn(), "ratelimit.hit", 100)
        .await
        .unwrap();
    assert_eq!(
        (failures.len(), hits.len()),
        (5, 1),
        "one row per key per window"
    );
    assert_eq!(audit_rows(&app).await, 6);
    // One address key, and per tried account one account+address and one account key.
    assert_eq!(rate_limits::stored_keys(app.db()).await.unwrap(), 1 + 5 * 2);
    app.stop().await;
}

async fn audit_text_is_capped_for_every_writer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    audit::record(
        app.db().conn(),
        &audit::Actor {
            user_id: None,
            ip: Some("x".repeat(10_000)),
            request_id: Some("r".repeat(10_000)),
        },
        audit::AuditEntry {
            action: ops_desktop::domain::audit_action::AuditAction::WebhookRejected,
            entity_type: "test",
            summary: Some("s".repeat(1_000_000)),
            after: Some(json!({"blob": "b".repeat(2_000_000)})),
            ..audit::AuditEntry::default()
        },
    )
    .await
    .unwrap();
    let row = audit::recent_by_action(app.db().conn(), "webhook.rejected", 1)
        .await
        .unwrap()
        .remove(0);
    assert!(row.summary.unwrap().chars().count() <= audit::MAX_SUMMARY_CHARS + 1);
    assert!(row.ip.unwrap().len() <= 70 && row.request_id.unwrap().len() <= 70);
    assert!(serde_json::to_vec(&row.after.unwrap()).unwrap().len() < 1_000);
    app.stop().await;
}

async fn expired_limiter_rows_are_swept(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let long_ago = time::now() - TimeDelta::minutes(30);
    for n in 0..50 {
        rate_limit::ActiveModel {
            key: Set(format!("signin:address:198.51.100.{n}")),
            hits: Set(3),
            window_ends_at: Set(long_ago),
            strikes: Set(0),
            refused: Set(false),
            expires_at: Set(long_ago),
        }
        .insert(app.db().conn())
        .await
        .unwrap();
    }
    assert_eq!(rate_limits::stored_keys(app.db()).await.unwrap(), 50);
    // Any new key sweeps what has expired.
    let client = new_client();
    let csrf = form_csrf(&app, &client).await;
    let response = client
        .post(app.url("/auth/signin/email"))
        .form(&[("_csrf", csrf.as_str()), ("email", "someone@example.com")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let left = rate_limit::Entity::find()
        .all(app.db().conn())
        .await
        .unwrap();
    assert!(
        left.iter().all(|row| !row.key.contains("198.51.100.")),
        "{left:?}"
    );
    assert_eq!(left.len(), 3, "only the live keys of this request remain");
    app.stop().await;
}

async fn link_confirmation_is_limited_and_failures_audited_once_per_window(backend: Backend) {
    let app = TestApp::spawn_with(
        backend,
        with_env(&[("RATE_LIMIT_SIGNIN_ADDRESS_PER_MINUTE", "5")]),
    )
    .await;
    let client = new_client();
    let csrf = form_csrf(&app, &client).await;
    let mut statuses = Vec::new();
    for n in 0..8 {
        let token = if n == 0 {
            "t".repeat(500 * 1024)
        } else {
            format!("{n:064}")
        };
        let response = client
            .post(app.url("/auth/verify"))
            .form(&[("_csrf", csrf.as_str()), ("token", token.as_str())])
            .send()
            .await
            .unwrap();
        statuses.push(response.status());
    }
    assert!(
        statuses[..5].iter().all(|s| *s == StatusCode::BAD_REQUEST),
        "{statuses:?}"
    );
    assert!(
        statuses[5..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    let failures = audit::recent_by_action(app.db().conn(), "signin.failure", 100)
        .await
        .unwrap();
    assert_eq!(failures.len(), 1, "one failure row per address per window");
    let hits = audit::recent_by_action(app.db().conn(), "ratelimit.hit", 100)
        .await
        .unwrap();
    assert_eq!(hits.len(), 1);
    app.stop().await;
}

async fn a_nul_byte_is_refused_at_the_edge_everywhere(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;

    // The sign-in forms: an HTML page that says what is wrong, no 500.
    let anonymous = new_client();
    let csrf = form_csrf(&app, &anonymous).await;
    for (path, fields) in [
        (
            "/auth/signin/password",
            vec![("email", "ana\0@example.com"), ("password", PASSWORD)],
        ),
        (
            "/auth/signin/password",
            vec![("email", "ana@example.com"), ("password", "pass\0word")],
        ),
        ("/auth/signin/email", vec![("email", "\0")]),
        ("/auth/verify", vec![("token", "abc\0def")]),
    ] {
        let mut form = vec![("_csrf", csrf.as_str())];
        form.extend(fields);
        let response = anonymous
            .post(app.url(path))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(response.text().await.unwrap().contains("control character"));
    }

    // The API: JSON bodies, nested fields and query strings, with the field named.
    let created = staff
        .api(&app, reqwest::Method::POST, "/api/work-items")
        .json(&json!({"title": "fine", "tags": ["ok", "bad\u{0}tag"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::BAD_REQUEST);
    let body: Value = created.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("`tags`"), "{body}");
    for path in [
        "/api/work-items?q=%00",
        "/api/work-items/%00",
        "/calendar/ops_cal_%00.ics",
    ] {
        let response = staff.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
    }
    let api_query = staff
        .client
        .get(app.url("/api/work-items?q=%00"))
        .send()
        .await
        .unwrap();
    let body: Value = api_query.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("`q`"), "{body}");

    // Pages: query strings and form posts get the HTML error page.
    let page = staff
        .client
        .get(app.url("/work?q=%00"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    assert!(page.text().await.unwrap().contains("control character"));
    let posted = staff
        .post_form(&app, "/work/new", &[("title", "a\0b"), ("type", "TASK")])
        .await;
    assert_eq!(posted.status(), StatusCode::BAD_REQUEST);

    // Nothing was stored, and ordinary line breaks and tabs still pass.
    let count = ops_desktop::db::entities::work_item::Entity::find()
        .count(app.db().conn())
        .await
        .unwrap();
    assert_eq!(count, 0);
    let fine = staff
        .api(&app, reqwest::Method::POST, "/api/work-items")
        .json(&json!({"title": "fine", "description": "line one\n\tline two"}))
        .send()
        .await
        .unwrap();
    assert_eq!(fine.status(), StatusCode::CREATED);
    app.stop().await;
}

on_both_backends!(
    huge_or_invalid_sign_in_input_never_becomes_a_key_or_audit_text,
    audit_text_is_capped_for_every_writer,
    expired_limiter_rows_are_swept,
    link_confirmation_is_limited_and_failures_audited_once_per_window,
    a_nul_byte_is_refused_at_the_edge_everywhere,
);
