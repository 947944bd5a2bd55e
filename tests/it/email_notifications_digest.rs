//! The daily digest and the overdue check, received over real SMTP: a digest at the local hour
//! each person chose, with what is new, once; no empty digest; and one OVERDUE notification
//! (and email) per item however many checks run.

use std::time::Duration;

use chrono::{TimeDelta, TimeZone, Utc};
use ops_desktop::{
    db::entities::notification,
    jobs::{self, check_overdue, send_notifications},
    services::email_notifications::{digest, overdue},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::json;

use crate::{
    email_notifications::{assign, choose, mails_to, spawn_with_smtp},
    on_both_backends,
    support::{Backend, personas, wait_until, work::create_item},
};

async fn the_daily_digest_collects_what_is_new_once_and_empty_ones_are_not_sent(backend: Backend) {
    let (app, smtp) = spawn_with_smtp(backend).await;
    let admin = personas::admin(&app).await;
    let sam = personas::staff(&app).await;
    let to = sam.user.email.as_str();
    choose(
        &app,
        &sam,
        "DIGEST",
        "7",
        &["on_assigned", "on_waiting", "on_mention"],
    )
    .await;

    let first = assign(&app, &admin, &sam, "First piece").await;
    assign(&app, &admin, &sam, "Second piece").await;
    create_item(&app, &admin, json!({"title": "Needs Sam", "waitingOnUserId": sam.user.id.to_string(), "waitingReason": "sign-off"})).await;
    let read = assign(&app, &admin, &sam, "Already seen").await;
    notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(Utc::now()))
        .filter(
            notification::Column::WorkItemId
                .eq(uuid::Uuid::parse_str(read["id"].as_str().unwrap()).unwrap()),
        )
        .exec(app.db().conn())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(mails_to(&smtp, to), 0, "nothing right away in digest mode");

    // Another hour's run mails nobody; 07:00 (UTC here) sends Sam one digest through the queue.
    let slot = |hour| Utc.with_ymd_and_hms(2026, 3, 5, hour, 0, 0).unwrap();
    let other = digest::send_digests(
        app.db(),
        app.app.mailer.as_ref(),
        &app.app.settings,
        slot(9),
    )
    .await
    .unwrap();
    assert_eq!((other.sent, other.empty), (0, 0));
    jobs::enqueue(
        app.db().conn(),
        send_notifications::DIGEST_RECURRING.spec,
        json!({"slot": slot(7)}),
        None,
    )
    .await
    .unwrap();
    let mail = smtp.wait_for_mail(to, Duration::from_secs(15)).await;
    assert!(
        mail.subject().contains("daily digest: 3 new"),
        "{}",
        mail.subject()
    );
    let text = mail.body_text();
    for expected in [
        "First piece",
        "Second piece",
        "Needs Sam",
        "Waiting on you",
        &format!("/work/{}", first["key"].as_str().unwrap()),
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    assert!(
        !text.contains("Already seen"),
        "read notifications are not mailed"
    );

    // The same hour again, or a retry: nothing new, so no mail.
    let again = digest::send_digests(
        app.db(),
        app.app.mailer.as_ref(),
        &app.app.settings,
        slot(7),
    )
    .await
    .unwrap();
    assert_eq!((again.sent, again.empty), (0, 1));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(mails_to(&smtp, to), 1);
}

async fn overdue_items_notify_their_owner_once(backend: Backend) {
    let (app, smtp) = spawn_with_smtp(backend).await;
    let admin = personas::admin(&app).await;
    let sam = personas::staff(&app).await;
    let to = sam.user.email.as_str();
    let owner = sam.user.id.to_string();
    let hour_ago = (Utc::now() - TimeDelta::hours(1)).to_rfc3339();
    let late = create_item(
        &app,
        &admin,
        json!({"title": "Late piece", "ownerId": owner, "dueAt": hour_ago}),
    )
    .await;
    create_item(
        &app,
        &admin,
        json!({"title": "Done piece", "ownerId": owner, "dueAt": hour_ago, "status": "DONE"}),
    )
    .await;
    create_item(
        &app,
        &admin,
        json!({"title": "Ancient piece", "ownerId": owner,
        "dueAt": (Utc::now() - TimeDelta::days(30)).to_rfc3339()}),
    )
    .await;
    create_item(
        &app,
        &admin,
        json!({"title": "Future piece", "ownerId": owner,
        "dueAt": (Utc::now() + TimeDelta::days(3)).to_rfc3339()}),
    )
    .await;
    // The assignment emails first.
    wait_until(15, "the assignment emails", || async {
        mails_to(&smtp, to) == 4
    })
    .await;

    let checks = (0..4).map(|_| {
        let app = app.app.clone();
        tokio::spawn(async move {
            overdue::flag_overdue(&app.db, app.settings.timezone, ops_desktop::db::time::now())
                .await
                .unwrap()
        })
    });
    let created: usize = futures_util::future::join_all(checks)
        .await
        .into_iter()
        .map(Result::unwrap)
        .sum();
    assert_eq!(created, 1, "one notification, however many checks ran");
    jobs::enqueue(
        app.db().conn(),
        check_overdue::RECURRING.spec,
        json!({}),
        None,
    )
    .await
    .unwrap();
    let overdue_mail = || {
        smtp.messages()
            .into_iter()
            .find(|m| m.subject().contains("is overdue"))
    };
    wait_until(15, "the overdue email", || async {
        overdue_mail().is_some()
    })
    .await;
    let mail = overdue_mail().unwrap();
    assert!(
        mail.subject().contains("“Late piece” is overdue"),
        "{}",
        mail.subject()
    );
    assert_eq!(mail.to, [to.to_string()]);
    let overdue: Vec<_> = notification::Entity::find()
        .filter(notification::Column::Kind.eq("OVERDUE"))
        .all(app.db().conn())
        .await
        .unwrap();
    assert_eq!(overdue.len(), 1);
    assert_eq!(
        overdue[0].work_item_id.map(|id| id.to_string()).as_deref(),
        late["id"].as_str()
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        mails_to(&smtp, to),
        5,
        "four assignments and one overdue email"
    );
}

on_both_backends!(
    the_daily_digest_collects_what_is_new_once_and_empty_ones_are_not_sent,
    overdue_items_notify_their_owner_once,
);
