//! API tokens and the CSRF rules: tokens are shown once, used as Bearer, revocable; forms
//! need their token; cookie-authenticated API writes need JSON and our Origin.

use ops_desktop::db::entities::api_token;
use reqwest::{Method, StatusCode};
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use crate::{
    on_both_backends,
    support::{Backend, TestApp, personas, process},
};

async fn api_tokens_are_shown_once_work_as_bearer_and_can_be_revoked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;

    let created = staff
        .api(&app, Method::POST, "/api/tokens")
        .json(&json!({"name": "reporting"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    let token = created["data"]["token"].as_str().unwrap().to_string();
    let id = created["data"]["id"].as_str().unwrap().to_string();
    assert!(token.starts_with("ops_pat_") && token.len() == 8 + 64);

    let listed: Value = staff
        .client
        .get(app.url("/api/tokens"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["data"][0]["name"], "reporting");
    assert!(
        listed["data"][0].get("token").is_none(),
        "never shown again"
    );
    assert!(listed["data"][0]["lastUsedAt"].is_null());
    let stored = api_token::Entity::find()
        .one(app.db().conn())
        .await
        .unwrap()
        .unwrap();
    assert_ne!(stored.token_hash, token);

    let bearer = reqwest::Client::new();
    let me = bearer
        .get(app.url("/api/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    // Bearer requests need neither Origin nor a CSRF token.
    let write = bearer
        .post(app.url("/api/work-items"))
        .bearer_auth(&token)
        .json(&json!({"title": "Written by a script"}))
        .send()
        .await
        .unwrap();
    assert_eq!(write.status(), StatusCode::CREATED);
    // A token cannot mint another one (see SECURITY.md, ASVS 7.5.1).
    let minted = bearer
        .post(app.url("/api/tokens"))
        .bearer_auth(&token)
        .json(&json!({"name": "second"}))
        .send()
        .await
        .unwrap();
    assert_eq!(minted.status(), StatusCode::FORBIDDEN);
    let listed: Value = staff
        .client
        .get(app.url("/api/tokens"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let first = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id.as_str())
        .unwrap();
    assert!(first["lastUsedAt"].is_string(), "last use recorded");

    let revoked = staff
        .api(&app, Method::DELETE, &format!("/api/tokens/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        bearer
            .get(app.url("/api/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let unknown = format!("ops_pat_{}", "0".repeat(64));
    for bad in [unknown.as_str(), "garbage", ""] {
        let response = bearer
            .get(app.url("/api/me"))
            .header("authorization", format!("Bearer {bad}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{bad}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "sign in required");
    }
    let actions: Vec<String> = ops_desktop::db::entities::audit_log::Entity::find()
        .all(app.db().conn())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions.iter().filter(|a| *a == "token.create").count(), 1);
    assert_eq!(actions.iter().filter(|a| *a == "token.revoke").count(), 1);
    app.stop().await;
}

async fn cookie_api_writes_need_json_and_our_origin(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let body = json!({"name": "x"});

    let no_origin = staff
        .client
        .post(app.url("/api/tokens"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(no_origin.status(), StatusCode::FORBIDDEN);
    let foreign = staff
        .client
        .post(app.url("/api/tokens"))
        .header("origin", "https://evil.example")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    let form = staff
        .api(&app, Method::POST, "/api/tokens")
        .form(&[("name", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let malformed = staff
        .api(&app, Method::POST, "/api/tokens")
        .header("content-type", "application/json")
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    let wrong_shape = staff
        .api(&app, Method::POST, "/api/tokens")
        .json(&json!({"title": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_shape.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let empty_name = staff
        .api(&app, Method::POST, "/api/tokens")
        .json(&json!({"name": "  "}))
        .send()
        .await
        .unwrap();
    assert_eq!(empty_name.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let details: Value = empty_name.json().await.unwrap();
    assert!(details["details"]["name"].is_array());
    assert_eq!(
        api_token::Entity::find()
            .all(app.db().conn())
            .await
            .unwrap()
            .len(),
        0,
        "nothing was written"
    );

    let good = staff
        .api(&app, Method::POST, "/api/tokens")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(good.status(), StatusCode::CREATED);
    app.stop().await;
}

async fn form_posts_need_the_session_csrf_token(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let missing = staff
        .client
        .post(app.url("/profile/tokens"))
        .form(&[("name", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    let wrong = staff
        .client
        .post(app.url("/profile/tokens"))
        .form(&[("_csrf", "0".repeat(64).as_str()), ("name", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("This form has expired")
    );
    assert_eq!(
        api_token::Entity::find()
            .all(app.db().conn())
            .await
            .unwrap()
            .len(),
        0
    );

    let good = staff
        .post_form(&app, "/profile/tokens", &[("name", "from the form")])
        .await;
    assert_eq!(good.status(), StatusCode::OK);
    let page = good.text().await.unwrap();
    assert!(page.contains("ops_pat_"), "the new token is shown once");
    let again = staff
        .client
        .get(app.url("/profile"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!again.contains("ops_pat_"), "and never again");

    // The sign-in form needs its own (pre-session) token too.
    let anonymous = personas::new_client()
        .post(app.url("/auth/signin/password"))
        .form(&[
            ("email", staff.user.email.as_str()),
            ("password", personas::PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::BAD_REQUEST);
    app.stop().await;
}

async fn token_create_command_prints_a_working_token(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    personas::create_user(&app, "robot@example.com", "Robot", "STAFF").await;
    let dir = tempfile::tempdir().unwrap();
    let output = process::run(
        dir.path(),
        &[("DATABASE_URL", app.database.url.as_str())],
        &[
            "token",
            "create",
            "--email",
            "robot@example.com",
            "--name",
            "nightly export",
        ],
        "",
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let token = stdout.lines().last().unwrap().trim().to_string();
    assert!(token.starts_with("ops_pat_"));
    let me: Value = reqwest::Client::new()
        .get(app.url("/api/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["data"]["email"], "robot@example.com");

    let unknown = process::run(
        dir.path(),
        &[("DATABASE_URL", app.database.url.as_str())],
        &[
            "token",
            "create",
            "--email",
            "ghost@example.com",
            "--name",
            "x",
        ],
        "",
    );
    assert!(!unknown.status.success());
    app.stop().await;
}

async fn the_token_card_links_to_the_api_document(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let profile = staff
        .client
        .get(app.url("/profile"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        profile.contains(r#"<a href="/api/openapi.json">"#),
        "the API token card says where the API is described"
    );
    let document = staff
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(document.status(), StatusCode::OK);
    let document: Value = document.json().await.unwrap();
    assert!(document["paths"]["/api/work-items"].is_object());
    app.stop().await;
}

on_both_backends!(
    api_tokens_are_shown_once_work_as_bearer_and_can_be_revoked,
    cookie_api_writes_need_json_and_our_origin,
    form_posts_need_the_session_csrf_token,
    token_create_command_prints_a_working_token,
    the_token_card_links_to_the_api_document,
);
