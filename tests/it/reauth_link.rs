//! People who sign in only by emailed link confirm it's them the same way: the confirmation
//! page emails a one-time link (over real SMTP) that works once, briefly, and only in the
//! session that asked; "Continue" then completes the original action with what was typed.

use std::time::Duration;

use ops_desktop::{
    db::entities::{calendar_feed, session, user},
    services::users::{self, NewUser},
};
use reqwest::StatusCode;
use sea_orm::EntityTrait;

use crate::{
    on_both_backends,
    reauth::{age_sign_in, audited},
    route_matrix::session_client,
    support::{Backend, TestApp, TestOptions, personas::hidden_csrf, smtp::SmtpServer},
};

async fn spawn_with_smtp(backend: Backend) -> (TestApp, SmtpServer) {
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn_with(
        backend,
        TestOptions {
            env: vec![
                ("EMAIL_SERVER_HOST".into(), "127.0.0.1".into()),
                ("EMAIL_SERVER_PORT".into(), smtp.port.to_string()),
                ("EMAIL_SERVER_TLS".into(), "none".into()),
                ("EMAIL_FROM".into(), "OPS Desktop <ops@example.com>".into()),
            ],
            ..TestOptions::default()
        },
    )
    .await;
    (app, smtp)
}

async fn post(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let response = client
        .post(app.url(path))
        .form(fields)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

/// Opens the emailed link in `client` and presses its button.
async fn use_link(app: &TestApp, client: &reqwest::Client, link: &str) -> (StatusCode, String) {
    let page = client.get(link).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    let token = html
        .split("name=\"token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page carries the token")
        .to_string();
    let csrf = hidden_csrf(&html);
    post(
        app,
        client,
        "/auth/confirm",
        &[("_csrf", csrf.as_str()), ("token", token.as_str())],
    )
    .await
}

async fn feeds(app: &TestApp) -> Vec<calendar_feed::Model> {
    calendar_feed::Entity::find()
        .all(app.db().conn())
        .await
        .unwrap()
}

async fn link_only_people_confirm_by_an_emailed_link_bound_to_their_session(backend: Backend) {
    let (app, smtp) = spawn_with_smtp(backend).await;
    let lina = users::create_user(
        app.db(),
        NewUser {
            email: "lina@example.com".into(),
            name: "Lina".into(),
            role: "STAFF".into(),
            password: None,
        },
    )
    .await
    .unwrap();
    let (browser, csrf) = session_client(&app, lina.id).await;
    let (other_browser, _) = session_client(&app, lina.id).await;
    age_sign_in(&app, &lina, 45).await;
    let typed = [("name", "Phone"), ("scope", "ALL")];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut fields = vec![("_csrf", csrf.clone())];
        fields.extend(typed.iter().map(|(k, v)| (*k, v.to_string())));
        fields.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        fields
    };
    let send = async |fields: Vec<(&str, String)>| {
        let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        post(&app, &browser, "/profile/calendar-feeds", &borrowed).await
    };

    // No password to ask for: the page offers an emailed link, and keeps what was typed.
    let (status, html) = send(with(&[])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Email me a confirmation link"), "{html}");
    assert!(!html.contains("_confirm_password"));
    assert!(html.contains(r#"name="scope" value="ALL""#), "{html}");

    let (status, html) = send(with(&[("_confirm", "email")])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("We emailed a confirmation link"), "{html}");
    let mail = smtp
        .wait_for_mail("lina@example.com", Duration::from_secs(15))
        .await;
    let text = mail.body_text();
    let start = text.find("http://").expect("a link in the message");
    let link = text[start..].split_whitespace().next().unwrap().to_string();
    assert!(link.starts_with(&format!("{}/auth/confirm?token=", app.base_url)));
    let stored = session::Entity::find()
        .all(app.db().conn())
        .await
        .unwrap()
        .into_iter()
        .find_map(|s| s.confirm_token_hash)
        .expect("the link's hash is stored with the session");
    assert!(!link.contains(&stored), "only the hash is stored");
    assert_eq!(audited(&app, "reauth.link_sent").await, 1);

    // Another session of the same person cannot use it; "Continue" before the link changes
    // nothing.
    let (status, _) = use_link(&app, &other_browser, &link).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(audited(&app, "reauth.failure").await, 1);
    let (status, html) = send(with(&[("_confirm", "continue")])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Not confirmed yet"), "{html}");
    assert!(feeds(&app).await.is_empty());

    // The link in the asking browser confirms; "Continue" completes the feed as typed.
    let (status, html) = use_link(&app, &browser, &link).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Confirmed"));
    assert_eq!(audited(&app, "reauth.success").await, 1);
    let (status, html) = send(with(&[("_confirm", "continue")])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("/calendar/"),
        "the new feed's URL is shown: {html}"
    );
    let made = feeds(&app).await;
    assert_eq!(made.len(), 1);
    assert_eq!(
        (made[0].name.as_str(), made[0].scope.as_str()),
        ("Phone", "ALL")
    );

    // The link works once.
    let (status, _) = use_link(&app, &browser, &link).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Setting a first password is a sensitive change too: asked again once the window passes.
    age_sign_in(&app, &lina, 11).await;
    let (status, html) = post(
        &app,
        &browser,
        "/profile/password",
        &[
            ("_csrf", csrf.as_str()),
            ("new_password", "a fresh passphrase"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Email me a confirmation link"), "{html}");
    let after = user::Entity::find_by_id(lina.id)
        .one(app.db().conn())
        .await
        .unwrap()
        .unwrap();
    assert!(after.password_hash.is_none(), "no password was set");
    app.stop().await;
}

on_both_backends!(link_only_people_confirm_by_an_emailed_link_bound_to_their_session);
