//! A job that gives up never strands its work: when its worker died during the last attempt
//! (the lease-recovery path) the kind's gave-up step still runs, so the inbound event or the
//! outbound delivery ends `FAILED` where a person can retry it, and a notification's lost email
//! is written to the audit log. The attempts-exhausted path is covered where each kind is
//! tested (`events_triage`, `ghl_outbound`). Outbound delivery counts an attempt before its
//! request leaves.

use std::time::Duration;

use chrono::TimeDelta;
use ops_desktop::{
    db::{
        entities::{audit_log, integration_event, job, notification},
        time,
    },
    jobs::{JobSpec, deliver_outbound, process_event, send_notifications},
};
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp, TestOptions,
        ghl::{self, api_env},
        ghl_mock, personas, wait_until,
        work::call,
    },
};

/// An event row as the intake or the outbound queue would have stored it.
async fn insert_event(app: &TestApp, direction: &str, state: &str, payload: Value) -> Uuid {
    let now = time::now();
    let id = Uuid::now_v7();
    integration_event::ActiveModel {
        id: Set(id),
        direction: Set(direction.into()),
        source: Set(if direction == "INBOUND" {
            "test"
        } else {
            "ghl"
        }
        .into()),
        event_type: Set(if direction == "INBOUND" {
            "Stranded"
        } else {
            "AddNote"
        }
        .into()),
        external_id: Set(Some(id.to_string())),
        dedupe_key: Set((direction == "INBOUND").then(|| format!("test:{id}"))),
        payload: Set(payload),
        state: Set(state.into()),
        attempts: Set(0),
        last_error: Set(None),
        response: Set(None),
        work_item_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        processed_at: Set(None),
    }
    .insert(app.db().conn())
    .await
    .unwrap();
    id
}

/// A job left `RUNNING` on its final attempt by a worker that died, its lease already over.
async fn insert_stranded_job(app: &TestApp, spec: JobSpec, payload: Value) -> Uuid {
    let now = time::now();
    let id = Uuid::now_v7();
    job::ActiveModel {
        id: Set(id),
        kind: Set(spec.kind.into()),
        payload: Set(payload),
        state: Set("RUNNING".into()),
        attempts: Set(spec.max_attempts as i32),
        max_attempts: Set(spec.max_attempts as i32),
        run_at: Set(now - TimeDelta::minutes(5)),
        locked_until: Set(Some(now - TimeDelta::seconds(1))),
        locked_by: Set(Some("a-worker-that-died".into())),
        last_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        finished_at: Set(None),
    }
    .insert(app.db().conn())
    .await
    .unwrap();
    id
}

async fn job_state(app: &TestApp, id: Uuid) -> String {
    job::Entity::find_by_id(id)
        .one(app.db().conn())
        .await
        .unwrap()
        .unwrap()
        .state
}

async fn a_stranded_inbound_event_ends_failed_and_can_be_retried(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = personas::admin(&app).await;
    let id = insert_event(&app, "INBOUND", "RECEIVED", json!({"n": 1})).await;
    let job = insert_stranded_job(&app, process_event::SPEC, json!({"eventId": id})).await;

    let failed = ghl::settled(&app, id, "FAILED").await;
    assert!(
        failed
            .last_error
            .unwrap()
            .contains("stopped before finishing"),
        "the reason is shown"
    );
    wait_until(10, "the job to be FAILED", || async {
        job_state(&app, job).await == "FAILED"
    })
    .await;

    let (status, answer) = call(
        &app,
        &admin,
        Method::POST,
        &format!("/api/events/{id}/retry"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    ghl::settled(&app, id, "TRIAGE").await;
    app.stop().await;
}

async fn a_stranded_outbound_delivery_ends_failed_and_can_be_sent_again(backend: Backend) {
    let (server, seen) = ghl_mock::start(vec![], ghl_mock::ok()).await;
    let app = TestApp::spawn_with(
        backend,
        TestOptions {
            env: api_env(&server.uri()),
            ..TestOptions::default()
        },
    )
    .await;
    let staff = personas::staff(&app).await;
    let payload = json!({"action": "addNote", "contactId": "c1", "body": "stranded"});
    let id = insert_event(&app, "OUTBOUND", "QUEUED", payload).await;
    insert_stranded_job(&app, deliver_outbound::SPEC, json!({"eventId": id})).await;

    let failed = ghl::settled(&app, id, "FAILED").await;
    assert!(
        failed
            .last_error
            .unwrap()
            .contains("stopped before finishing")
    );
    assert_eq!(seen.count(), 0, "a job past its limit sends nothing");

    let (status, answer) = call(
        &app,
        &staff,
        Method::POST,
        &format!("/api/events/{id}/retry"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    ghl::settled(&app, id, "DELIVERED").await;
    assert_eq!(seen.count(), 1);
    app.stop().await;
}

async fn a_stranded_notification_email_is_recorded_as_not_sent(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let id = Uuid::now_v7();
    notification::ActiveModel {
        id: Set(id),
        user_id: Set(staff.user.id),
        kind: Set("MENTION".into()),
        work_item_id: Set(None),
        actor_id: Set(None),
        body: Set("Someone mentioned you".into()),
        created_at: Set(time::now()),
        read_at: Set(None),
        emailed_at: Set(None),
    }
    .insert(app.db().conn())
    .await
    .unwrap();
    let job = insert_stranded_job(
        &app,
        send_notifications::SEND_ONE,
        json!({"notificationId": id}),
    )
    .await;
    wait_until(20, "the job to be FAILED", || async {
        job_state(&app, job).await == "FAILED"
    })
    .await;
    let entries = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("notification.email_failed"))
        .filter(audit_log::Column::EntityId.eq(id))
        .all(app.db().conn())
        .await
        .unwrap();
    assert_eq!(entries.len(), 1);
    assert!(
        entries[0]
            .summary
            .as_deref()
            .unwrap()
            .contains("Someone mentioned you")
    );
    app.stop().await;
}

async fn an_outbound_attempt_is_counted_before_its_request_leaves(backend: Backend) {
    let slow = ghl_mock::ok().set_delay(Duration::from_secs(3));
    let (server, seen) = ghl_mock::start(vec![slow], ghl_mock::ok()).await;
    let app = TestApp::spawn_with(
        backend,
        TestOptions {
            env: api_env(&server.uri()),
            ..TestOptions::default()
        },
    )
    .await;
    let staff = personas::staff(&app).await;
    let (status, answer) = call(
        &app,
        &staff,
        Method::POST,
        "/api/ghl/events",
        Some(json!({"action": "addNote", "contactId": "c1", "body": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    let id = Uuid::parse_str(answer["data"]["id"].as_str().unwrap()).unwrap();
    wait_until(10, "HighLevel to receive the request", || async {
        seen.count() == 1
    })
    .await;
    // HighLevel holds the answer: the attempt is already on record while it waits.
    let in_flight = ghl::event(&app, id).await;
    assert_eq!(
        (in_flight.state.as_str(), in_flight.attempts),
        ("QUEUED", 1)
    );
    let delivered = ghl::settled(&app, id, "DELIVERED").await;
    assert_eq!(delivered.attempts, 1);
    app.stop().await;
}

on_both_backends!(
    a_stranded_inbound_event_ends_failed_and_can_be_retried,
    a_stranded_outbound_delivery_ends_failed_and_can_be_sent_again,
    a_stranded_notification_email_is_recorded_as_not_sent,
    an_outbound_attempt_is_counted_before_its_request_leaves,
);
