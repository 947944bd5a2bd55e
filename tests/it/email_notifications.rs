//! Email notifications received over real SMTP: immediate emails per kind, or none, as each
//! person chose on their profile, and never twice for one event (the digest and the overdue
//! check are in `email_notifications_digest.rs`).

use std::time::Duration;

use ops_desktop::{
    db::entities::notification,
    jobs::{self, send_notifications},
    services::email_notifications::{self, ImmediateOutcome},
};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp, TestOptions, personas,
        personas::Persona,
        smtp::SmtpServer,
        wait_until,
        work::{call, create_item},
    },
};

pub(crate) async fn spawn_with_smtp(backend: Backend) -> (TestApp, SmtpServer) {
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

/// How many messages went to `to` so far.
pub(crate) fn mails_to(smtp: &SmtpServer, to: &str) -> usize {
    smtp.messages()
        .iter()
        .filter(|m| m.to.iter().any(|r| r.eq_ignore_ascii_case(to)))
        .count()
}

/// Saves `who`'s choices through the profile form.
pub(crate) async fn choose(app: &TestApp, who: &Persona, mode: &str, hour: &str, kinds: &[&str]) {
    let mut fields = vec![("mode", mode), ("digest_hour", hour)];
    fields.extend(kinds.iter().map(|kind| (*kind, "on")));
    let response = who.post_form(app, "/profile/notifications", &fields).await;
    assert_eq!(
        response.status(),
        StatusCode::FOUND,
        "{}",
        response.text().await.unwrap()
    );
}

pub(crate) async fn assign(
    app: &TestApp,
    by: &Persona,
    to: &Persona,
    title: &str,
) -> serde_json::Value {
    create_item(
        app,
        by,
        json!({"title": title, "ownerId": to.user.id.to_string()}),
    )
    .await
}

async fn immediate_emails_arrive_once_per_event(backend: Backend) {
    let (app, smtp) = spawn_with_smtp(backend).await;
    let admin = personas::admin(&app).await;
    let sam = personas::staff(&app).await;
    let to = sam.user.email.as_str();

    // The defaults: every kind, right away.
    let item = assign(&app, &admin, &sam, "Spring issue").await;
    let mail = smtp.wait_for_mail(to, Duration::from_secs(15)).await;
    let key = item["key"].as_str().unwrap();
    assert!(
        mail.subject()
            .contains(&format!("{key}: You own “Spring issue”")),
        "{}",
        mail.subject()
    );
    let text = mail.body_text();
    // The link names the item by its key, as people say it.
    assert!(
        text.contains(&format!("{}/work/{key}", app.base_url)),
        "{text}"
    );
    assert!(text.contains("/profile"), "says where to change it");

    let (status, _) = call(
        &app,
        &admin,
        Method::POST,
        &format!("/api/work-items/{}/comments", item["id"].as_str().unwrap()),
        Some(json!({"body": "@sam.staff can you check the links?"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let mention = smtp.wait_for_mail(to, Duration::from_secs(15)).await;
    assert!(
        mention.subject().contains("mentioned you"),
        "{}",
        mention.subject()
    );

    // However often it is tried, and by however many at once, one event is one email.
    let assigned = notification::Entity::find()
        .filter(notification::Column::UserId.eq(sam.user.id))
        .filter(notification::Column::Kind.eq("ASSIGNED"))
        .one(app.db().conn())
        .await
        .unwrap()
        .unwrap();
    assert!(assigned.emailed_at.is_some());
    for _ in 0..2 {
        jobs::enqueue(
            app.db().conn(),
            send_notifications::SEND_ONE,
            json!({"notificationId": assigned.id}),
            None,
        )
        .await
        .unwrap();
    }
    let fresh = assign(&app, &admin, &sam, "Summer issue").await;
    let fresh_id = notification::Entity::find()
        .filter(
            notification::Column::WorkItemId
                .eq(uuid::Uuid::parse_str(fresh["id"].as_str().unwrap()).unwrap()),
        )
        .one(app.db().conn())
        .await
        .unwrap()
        .unwrap()
        .id;
    let racers = (0..6).map(|_| {
        let app = app.app.clone();
        tokio::spawn(async move {
            email_notifications::send_immediate(
                &app.db,
                app.mailer.as_ref(),
                &app.settings,
                fresh_id,
            )
            .await
            .unwrap()
        })
    });
    let outcomes: Vec<_> = futures_util::future::join_all(racers)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert!(
        outcomes
            .iter()
            .filter(|o| **o == ImmediateOutcome::Sent)
            .count()
            <= 1,
        "{outcomes:?}"
    );
    wait_until(15, "the summer issue mail", || async {
        mails_to(&smtp, to) >= 3
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        mails_to(&smtp, to),
        3,
        "assignment, mention, second assignment: once each"
    );
}

async fn kinds_and_modes_are_respected(backend: Backend) {
    let (app, smtp) = spawn_with_smtp(backend).await;
    let admin = personas::admin(&app).await;
    let sam = personas::staff(&app).await;
    let to = sam.user.email.as_str();

    choose(&app, &sam, "IMMEDIATE", "8", &["on_mention"]).await;
    let item = assign(&app, &admin, &sam, "Quiet assignment").await;
    let comments = format!("/api/work-items/{}/comments", item["id"].as_str().unwrap());
    call(
        &app,
        &admin,
        Method::POST,
        &comments,
        Some(json!({"body": "@sam.staff over to you"})),
    )
    .await;
    let mail = smtp.wait_for_mail(to, Duration::from_secs(15)).await;
    assert!(
        mail.subject().contains("mentioned you"),
        "{}",
        mail.subject()
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        mails_to(&smtp, to),
        1,
        "the assignment was not wanted by email"
    );

    choose(&app, &sam, "NONE", "8", &["on_mention", "on_assigned"]).await;
    call(
        &app,
        &admin,
        Method::POST,
        &comments,
        Some(json!({"body": "@sam.staff again"})),
    )
    .await;
    assign(&app, &admin, &sam, "Also quiet").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(mails_to(&smtp, to), 1, "no email at all");

    let refused = sam
        .post_form(
            &app,
            "/profile/notifications",
            &[("mode", "SOMETIMES"), ("digest_hour", "25")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let profile = sam
        .client
        .get(app.url("/profile"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        profile.contains("id=\"mode-none\" type=\"radio\" name=\"mode\" value=\"NONE\" checked"),
        "the saved choice is shown"
    );
}

on_both_backends!(
    immediate_emails_arrive_once_per_event,
    kinds_and_modes_are_respected,
);
