//! Sign-in by emailed link, received over real SMTP: the link works once, within its
//! lifetime, for active accounts; the page answers the same for unknown addresses.

use std::time::Duration;

use chrono::TimeDelta;
use ops_desktop::db::entities::email_link;
use reqwest::StatusCode;
use sea_orm::{EntityTrait, sea_query::Expr};
use serde_json::{Value, json};

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp, TestOptions,
        personas::{self, hidden_csrf, new_client},
        smtp::SmtpServer,
    },
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

/// Asks for a link with the form, returning the page's text.
async fn request_link(
    app: &TestApp,
    client: &reqwest::Client,
    email: &str,
) -> (StatusCode, String) {
    let form = client
        .get(app.url("/auth/signin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_csrf(&form);
    let response = client
        .post(app.url("/auth/signin/email"))
        .form(&[("_csrf", csrf.as_str()), ("email", email), ("next", "/")])
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

fn link_in(text: &str) -> String {
    let start = text.find("http://").expect("a link in the message");
    text[start..].split_whitespace().next().unwrap().to_string()
}

/// Opens the link and presses the confirmation button.
async fn follow(client: &reqwest::Client, link: &str) -> reqwest::Response {
    let page = client.get(link).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    let csrf = hidden_csrf(&html);
    let token = html
        .split("name=\"token\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let confirm = link.split("/auth/verify").next().unwrap().to_string() + "/auth/verify";
    client
        .post(confirm)
        .form(&[("_csrf", csrf.as_str()), ("token", token.as_str())])
        .send()
        .await
        .unwrap()
}

async fn an_emailed_link_signs_in_once(backend: Backend) {
    let (app, smtp) = spawn_with_smtp(backend).await;
    personas::create_user(&app, "ana@example.com", "Ana", "STAFF").await;
    let browser = new_client();

    let (status, known_page) = request_link(&app, &browser, "Ana@Example.com").await;
    assert_eq!(status, StatusCode::OK);
    let mail = smtp
        .wait_for_mail("ana@example.com", Duration::from_secs(15))
        .await;
    assert!(mail.subject().contains("sign-in link"));
    let link = link_in(&mail.body_text());
    assert!(
        link.starts_with(&format!("{}/auth/verify?token=", app.base_url)),
        "{link}"
    );
    let stored = email_link::Entity::find()
        .one(app.db().conn())
        .await
        .unwrap()
        .unwrap();
    assert!(
        !link.contains(&stored.token_hash),
        "only the hash is stored"
    );
    assert_eq!(
        stored.expires_at - stored.created_at,
        TimeDelta::minutes(10)
    );

    // Opening the link changes nothing by itself; confirming signs in.
    let signed_in = follow(&browser, &link).await;
    assert_eq!(signed_in.status(), StatusCode::FOUND);
    let me: Value = browser
        .get(app.url("/api/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["data"]["email"], "ana@example.com");

    let reused = follow(&new_client(), &link).await;
    assert_eq!(reused.status(), StatusCode::BAD_REQUEST, "single use");

    // Unknown and deactivated addresses get the same answer, and no mail.
    let (status, unknown_page) = request_link(&app, &new_client(), "nobody@example.com").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(unknown_page, known_page, "the same answer either way");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(smtp.messages().len(), 1);
    app.stop().await;
}

async fn an_expired_link_does_not_sign_in(backend: Backend) {
    let (app, smtp) = spawn_with_smtp(backend).await;
    personas::create_user(&app, "ana@example.com", "Ana", "STAFF").await;
    request_link(&app, &new_client(), "ana@example.com").await;
    let link = link_in(
        &smtp
            .wait_for_mail("ana@example.com", Duration::from_secs(15))
            .await
            .body_text(),
    );
    email_link::Entity::update_many()
        .col_expr(
            email_link::Column::ExpiresAt,
            Expr::value(ops_desktop::db::time::now() - TimeDelta::seconds(1)),
        )
        .exec(app.db().conn())
        .await
        .unwrap();
    let browser = new_client();
    assert_eq!(
        follow(&browser, &link).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        browser
            .get(app.url("/api/me"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    app.stop().await;
}

async fn an_invitation_is_emailed_and_signs_the_person_in(backend: Backend) {
    let (app, smtp) = spawn_with_smtp(backend).await;
    let admin = personas::admin(&app).await;
    let invited = admin
        .api(&app, reqwest::Method::POST, "/api/admin/users")
        .json(&json!({"email": "New.Hire@example.com", "name": "New Hire", "role": "STAFF"}))
        .send()
        .await
        .unwrap();
    assert_eq!(invited.status(), StatusCode::CREATED);
    let mail = smtp
        .wait_for_mail("new.hire@example.com", Duration::from_secs(15))
        .await;
    assert!(mail.subject().contains("invited"));
    let browser = new_client();
    assert_eq!(
        follow(&browser, &link_in(&mail.body_text())).await.status(),
        StatusCode::FOUND
    );
    let me: Value = browser
        .get(app.url("/api/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["data"]["name"], "New Hire");
    assert_eq!(me["data"]["role"], "STAFF");
    app.stop().await;
}

async fn without_smtp_the_link_goes_to_the_outbox(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    personas::create_user(&app, "ana@example.com", "Ana", "STAFF").await;
    request_link(&app, &new_client(), "ana@example.com").await;
    let outbox = app.data_dir().join("outbox");
    let mut text = String::new();
    for _ in 0..100 {
        if let Ok(mut entries) = std::fs::read_dir(&outbox)
            && let Some(Ok(entry)) = entries.next()
        {
            text = std::fs::read_to_string(entry.path()).unwrap();
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(text.contains("ana@example.com"), "outbox file: {text}");
    let browser = new_client();
    assert_eq!(
        follow(&browser, &link_in(&text)).await.status(),
        StatusCode::FOUND
    );
    app.stop().await;
}

on_both_backends!(
    an_emailed_link_signs_in_once,
    an_expired_link_does_not_sign_in,
    an_invitation_is_emailed_and_signs_the_person_in,
    without_smtp_the_link_goes_to_the_outbox,
);
