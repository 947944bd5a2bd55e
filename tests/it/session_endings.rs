//! Ways a session ends besides signing out: a password change (the other sessions, and the
//! API tokens when asked), an admin signing someone out everywhere, the idle limit counted in
//! minutes — and the live stream, which ends with whatever it was opened with.

use std::time::Duration;

use chrono::TimeDelta;
use ops_desktop::db::entities::{audit_log, session};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp, TestOptions,
        personas::{self, PASSWORD, Persona},
    },
};

async fn audit_after(app: &TestApp, action: &str) -> Vec<Value> {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .all(app.db().conn())
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.after.unwrap_or_default())
        .collect()
}

async fn me_status(app: &TestApp, client: &reqwest::Client) -> StatusCode {
    client
        .get(app.url("/api/me"))
        .send()
        .await
        .unwrap()
        .status()
}

async fn bearer_status(app: &TestApp, token: &str) -> StatusCode {
    reqwest::Client::new()
        .get(app.url("/api/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

async fn new_token(app: &TestApp, who: &Persona) -> (String, String) {
    let response = who
        .api(app, Method::POST, "/api/tokens")
        .json(&json!({"name": "script"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    (
        body["data"]["token"].as_str().unwrap().to_string(),
        body["data"]["id"].as_str().unwrap().to_string(),
    )
}

async fn a_password_change_ends_other_sessions_and_revokes_tokens_when_asked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let laptop = personas::sign_in(&app, &staff.user.email, PASSWORD).await;
    let (token, _) = new_token(&app, &staff).await;

    let changed = staff
        .post_form(
            &app,
            "/profile/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a brand new passphrase"),
            ],
        )
        .await;
    assert!(changed.status().is_redirection(), "{}", changed.status());
    assert_eq!(
        me_status(&app, &staff.client).await,
        StatusCode::OK,
        "the session it was changed from stays"
    );
    assert_eq!(
        me_status(&app, &laptop).await,
        StatusCode::UNAUTHORIZED,
        "every other session ends"
    );
    assert_eq!(
        bearer_status(&app, &token).await,
        StatusCode::OK,
        "tokens stay unless asked"
    );
    assert_eq!(
        audit_after(&app, "user.password_change").await,
        [json!({"sessionsEnded": 1, "tokensRevoked": 0})]
    );

    let changed = staff
        .post_form(
            &app,
            "/profile/password",
            &[
                ("current_password", "a brand new passphrase"),
                ("new_password", "yet another passphrase"),
                ("revoke_tokens", "true"),
            ],
        )
        .await;
    assert!(changed.status().is_redirection(), "{}", changed.status());
    assert_eq!(
        bearer_status(&app, &token).await,
        StatusCode::UNAUTHORIZED,
        "asked: tokens revoked"
    );
    assert_eq!(
        audit_after(&app, "user.password_change").await[1],
        json!({"sessionsEnded": 0, "tokensRevoked": 1})
    );
    app.stop().await;
}

async fn admins_can_sign_a_person_out_everywhere(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = personas::admin(&app).await;
    let staff = personas::staff(&app).await;
    let laptop = personas::sign_in(&app, &staff.user.email, PASSWORD).await;
    let page_path = format!("/admin/users/{}/sessions/revoke", staff.user.id);
    let api_path = format!("/api/admin/users/{}/sessions/revoke", staff.user.id);

    let refused = staff
        .api(&app, Method::POST, &api_path)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN, "staff cannot");
    let unconfirmed = admin.post_form(&app, &page_path, &[]).await;
    assert!(unconfirmed.status().is_redirection());
    assert_eq!(
        me_status(&app, &laptop).await,
        StatusCode::OK,
        "nothing ends unconfirmed"
    );

    let page = admin
        .client
        .get(app.url("/admin/users"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&page_path), "the people page offers it");
    let confirmed = admin
        .post_form(&app, &page_path, &[("confirm", "yes")])
        .await;
    assert!(confirmed.status().is_redirection());
    assert_eq!(me_status(&app, &laptop).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        me_status(&app, &staff.client).await,
        StatusCode::UNAUTHORIZED
    );

    let again = personas::sign_in(&app, &staff.user.email, PASSWORD).await;
    let response = admin
        .api(&app, Method::POST, &api_path)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["ended"], 1);
    assert_eq!(me_status(&app, &again).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        audit_after(&app, "user.sessions_end").await,
        [json!({"sessionsEnded": 2}), json!({"sessionsEnded": 1})]
    );
    app.stop().await;
}

async fn the_idle_limit_is_counted_in_minutes(backend: Backend) {
    let options = TestOptions {
        env: vec![("SESSION_IDLE_MINUTES".into(), "5".into())],
        ..TestOptions::default()
    };
    let app = TestApp::spawn_with(backend, options).await;
    let staff = personas::staff(&app).await;
    let idle_since = |minutes: i64| ops_desktop::db::time::now() - TimeDelta::minutes(minutes);
    let set_last_seen = |at| {
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(at))
            .filter(session::Column::UserId.eq(staff.user.id))
            .exec(app.db().conn())
    };
    set_last_seen(idle_since(4)).await.unwrap();
    assert_eq!(
        me_status(&app, &staff.client).await,
        StatusCode::OK,
        "4 idle minutes are fine"
    );
    set_last_seen(idle_since(6)).await.unwrap();
    assert_eq!(
        me_status(&app, &staff.client).await,
        StatusCode::UNAUTHORIZED,
        "6 are not"
    );
    app.stop().await;
}

/// True if the response body ends within `seconds`.
async fn ends_within(response: &mut reqwest::Response, seconds: u64) -> bool {
    tokio::time::timeout(Duration::from_secs(seconds), async {
        while let Ok(Some(_)) = response.chunk().await {}
    })
    .await
    .is_ok()
}

async fn open_stream(app: &TestApp, request: reqwest::RequestBuilder) -> reqwest::Response {
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{}", app.base_url);
    response
}

async fn the_live_stream_ends_with_its_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = personas::admin(&app).await;
    let staff = personas::staff(&app).await;
    let mut stream = open_stream(&app, staff.client.get(app.url("/api/stream"))).await;
    assert!(
        !ends_within(&mut stream, 3).await,
        "an open stream stays open"
    );
    let path = format!("/api/admin/users/{}/sessions/revoke", staff.user.id);
    let ended = admin.api(&app, Method::POST, &path).send().await.unwrap();
    assert_eq!(ended.status(), StatusCode::OK);
    assert!(
        ends_within(&mut stream, 10).await,
        "the stream ends with its session"
    );
    app.stop().await;
}

async fn the_live_stream_ends_when_its_token_is_revoked_or_its_person_deactivated(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let admin = personas::admin(&app).await;
    let staff = personas::staff(&app).await;
    let client = reqwest::Client::new();
    let (token, token_id) = new_token(&app, &staff).await;
    let mut stream =
        open_stream(&app, client.get(app.url("/api/stream")).bearer_auth(&token)).await;
    let revoke = staff
        .api(&app, Method::DELETE, &format!("/api/tokens/{token_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), StatusCode::NO_CONTENT);
    assert!(
        ends_within(&mut stream, 10).await,
        "the stream ends with its token"
    );

    let (token, _) = new_token(&app, &staff).await;
    let mut stream =
        open_stream(&app, client.get(app.url("/api/stream")).bearer_auth(&token)).await;
    assert!(
        !ends_within(&mut stream, 3).await,
        "an open stream stays open"
    );
    let path = format!("/api/admin/users/{}", staff.user.id);
    let deactivated = admin
        .api(&app, Method::PATCH, &path)
        .json(&json!({"active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(deactivated.status(), StatusCode::OK);
    assert!(
        ends_within(&mut stream, 10).await,
        "the stream ends when its person is deactivated"
    );
    app.stop().await;
}

on_both_backends!(
    a_password_change_ends_other_sessions_and_revokes_tokens_when_asked,
    admins_can_sign_a_person_out_everywhere,
    the_idle_limit_is_counted_in_minutes,
    the_live_stream_ends_with_its_session,
    the_live_stream_ends_when_its_token_is_revoked_or_its_person_deactivated,
);
