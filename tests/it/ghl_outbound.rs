//! Outbound to HighLevel against a mock API: every action with its bearer token and `Version`
//! header, item messages queued with their cause, 429 with `Retry-After`, 5xx retried, other
//! 4xx failed at once with the response kept, timeouts retried, and 503 without GHL.

use std::time::{Duration, Instant};

use ops_desktop::{
    db::entities::{integration_event, message},
    integrations::ghl::{
        client::{GhlClient, Outcome},
        outbound::OutboundAction,
    },
};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;
use wiremock::ResponseTemplate;

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp, TestOptions,
        ghl::{self, api_env},
        ghl_mock,
        personas::{self, Persona},
        work::{call, create_item},
    },
};

async fn spawn(backend: Backend, base: &str) -> TestApp {
    TestApp::spawn_with(
        backend,
        TestOptions {
            env: api_env(base),
            ..TestOptions::default()
        },
    )
    .await
}

async fn queue(app: &TestApp, who: &Persona, body: Value) -> Uuid {
    let (status, answer) = call(app, who, Method::POST, "/api/ghl/events", Some(body)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    assert_eq!(answer["data"]["state"], "QUEUED");
    Uuid::parse_str(answer["data"]["id"].as_str().unwrap()).unwrap()
}

async fn every_action_is_delivered_with_its_token_and_version(backend: Backend) {
    let (server, seen) = ghl_mock::start(vec![], ghl_mock::ok()).await;
    let app = spawn(backend, &server.uri()).await;
    let staff = personas::staff(&app).await;
    let actions = [
        (
            json!({"action": "addNote", "contactId": "c1", "body": "Called, all good"}),
            "POST",
            "/contacts/c1/notes",
            "2021-07-28",
            json!({"body": "Called, all good"}),
        ),
        (
            json!({"action": "createTask", "contactId": "c1", "title": "Send proposal", "dueDate": "2025-10-01T09:00:00Z"}),
            "POST",
            "/contacts/c1/tasks",
            "2021-07-28",
            json!({"title": "Send proposal", "dueDate": "2025-10-01T09:00:00Z", "completed": false}),
        ),
        (
            json!({"action": "sendMessage", "contactId": "c1", "channel": "SMS", "message": "On our way"}),
            "POST",
            "/conversations/messages",
            "2021-04-15",
            json!({"type": "SMS", "contactId": "c1", "message": "On our way"}),
        ),
        (
            json!({"action": "setOpportunityStatus", "opportunityId": "o1", "status": "won"}),
            "PUT",
            "/opportunities/o1/status",
            "2021-07-28",
            json!({"status": "won"}),
        ),
    ];
    for (index, (body, method, path, version, sent)) in actions.iter().enumerate() {
        let id = queue(&app, &staff, body.clone()).await;
        let delivered = ghl::settled(&app, id, "DELIVERED").await;
        assert_eq!(delivered.attempts, 1);
        assert!(
            delivered.response.unwrap().starts_with("200 "),
            "the answer is kept"
        );
        let request = &seen.all()[index];
        assert_eq!(
            (request.method.as_str(), request.path.as_str()),
            (*method, *path)
        );
        assert_eq!(
            request.authorization.as_deref(),
            Some("Bearer pit-test-token")
        );
        assert_eq!(request.version.as_deref(), Some(*version));
        assert_eq!(&request.body, sent);
    }
    let (status, invalid) = call(
        &app,
        &staff,
        Method::POST,
        "/api/ghl/events",
        Some(json!({"action": "addNote", "contactId": "../../evil"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(invalid["details"]["contactId"].is_array() && invalid["details"]["body"].is_array());
    let (status, _) = call(
        &app,
        &staff,
        Method::POST,
        "/api/ghl/events",
        Some(json!({"action": "fly"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(seen.count(), 4, "refused requests send nothing");
    app.stop().await;
}

async fn item_messages_are_queued_with_the_message_and_follow_its_delivery(backend: Backend) {
    let (server, seen) = ghl_mock::start(vec![], ghl_mock::ok()).await;
    let app = spawn(backend, &server.uri()).await;
    let staff = personas::staff(&app).await;
    let linked = create_item(
        &app,
        &staff,
        json!({"title": "Acme site", "ghlContactId": "contact-1"}),
    )
    .await;
    let plain = create_item(&app, &staff, json!({"title": "Internal"})).await;

    let path = format!(
        "/api/work-items/{}/messages",
        linked["id"].as_str().unwrap()
    );
    let (status, posted) = call(
        &app,
        &staff,
        Method::POST,
        &path,
        Some(json!({"channel": "EMAIL", "body": "Draft attached."})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{posted}");
    assert_eq!(posted["data"]["status"], "QUEUED");
    let message_id = Uuid::parse_str(posted["data"]["id"].as_str().unwrap()).unwrap();
    let event = integration_event::Entity::find()
        .filter(integration_event::Column::Direction.eq("OUTBOUND"))
        .one(app.db().conn())
        .await
        .unwrap()
        .expect("queued with the message");
    assert_eq!(event.event_type, "sendMessage");
    assert_eq!(
        event.work_item_id.map(|i| i.to_string()).as_deref(),
        linked["id"].as_str()
    );
    ghl::settled(&app, event.id, "DELIVERED").await;
    let sent = message::Entity::find_by_id(message_id)
        .one(app.db().conn())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sent.status, "SENT");
    assert_eq!(sent.ghl_message_id.as_deref(), Some("ghl-msg-1"));
    let request = &seen.all()[0];
    assert_eq!(request.body["type"], "Email");
    assert_eq!(request.body["subject"], "Acme site");
    assert_eq!(request.body["contactId"], "contact-1");

    let path = format!("/api/work-items/{}/messages", plain["id"].as_str().unwrap());
    let (_, logged) = call(
        &app,
        &staff,
        Method::POST,
        &path,
        Some(json!({"channel": "SMS", "body": "Hi"})),
    )
    .await;
    assert_eq!(
        logged["data"]["status"], "LOGGED",
        "no contact, nothing to deliver"
    );
    assert_eq!(ghl::count_events(&app).await, 1);
    app.stop().await;
}

async fn a_429_waits_for_retry_after_then_delivers(backend: Backend) {
    let limited = ResponseTemplate::new(429)
        .insert_header("retry-after", "1")
        .set_body_string("slow down");
    let (server, seen) = ghl_mock::start(vec![limited], ghl_mock::ok()).await;
    let app = spawn(backend, &server.uri()).await;
    let staff = personas::staff(&app).await;
    let id = queue(
        &app,
        &staff,
        json!({"action": "addNote", "contactId": "c1", "body": "x"}),
    )
    .await;
    let delivered = ghl::settled(&app, id, "DELIVERED").await;
    assert_eq!(delivered.attempts, 2);
    let requests = seen.all();
    assert_eq!(requests.len(), 2);
    let waited = requests[1].at.duration_since(requests[0].at);
    assert!(
        waited >= Duration::from_millis(950),
        "Retry-After honoured: waited {waited:?}"
    );
    app.stop().await;
}

async fn server_errors_retry_and_other_4xx_fail_at_once(backend: Backend) {
    let errors = vec![ResponseTemplate::new(502), ResponseTemplate::new(503)];
    let (server, seen) = ghl_mock::start(errors, ghl_mock::ok()).await;
    let app = spawn(backend, &server.uri()).await;
    let staff = personas::staff(&app).await;
    let id = queue(
        &app,
        &staff,
        json!({"action": "addNote", "contactId": "c1", "body": "x"}),
    )
    .await;
    let delivered = ghl::settled(&app, id, "DELIVERED").await;
    assert_eq!(
        (delivered.attempts, seen.count()),
        (3, 3),
        "two 5xx, then delivered"
    );
    app.stop().await;

    let refusal =
        ResponseTemplate::new(422).set_body_json(json!({"message": "contactId is invalid"}));
    let (server, seen) = ghl_mock::start(vec![], refusal).await;
    let app = spawn(backend, &server.uri()).await;
    let staff = personas::staff(&app).await;
    let id = queue(
        &app,
        &staff,
        json!({"action": "addNote", "contactId": "c1", "body": "x"}),
    )
    .await;
    let failed = ghl::settled(&app, id, "FAILED").await;
    assert_eq!(failed.attempts, 1);
    assert!(failed.last_error.unwrap().contains("422"));
    assert!(
        failed.response.unwrap().contains("contactId is invalid"),
        "the response is kept"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(seen.count(), 1, "not retried");
    app.stop().await;

    let (server, seen) = ghl_mock::start(vec![], ResponseTemplate::new(500)).await;
    let app = spawn(backend, &server.uri()).await;
    let staff = personas::staff(&app).await;
    let id = queue(
        &app,
        &staff,
        json!({"action": "addNote", "contactId": "c1", "body": "x"}),
    )
    .await;
    let failed = ghl::settled(&app, id, "FAILED").await;
    assert_eq!(
        (failed.attempts, seen.count()),
        (6, 6),
        "retried with backoff, then FAILED"
    );
    assert!(failed.last_error.unwrap().contains("500"));
    let (status, retried) = call(
        &app,
        &staff,
        Method::POST,
        &format!("/api/events/{id}/retry"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        retried["data"]["state"], "QUEUED",
        "staff can send it again"
    );
    app.stop().await;
}

async fn without_ghl_configured_the_outbound_endpoint_answers_503(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let (status, answer) = call(
        &app,
        &staff,
        Method::POST,
        "/api/ghl/events",
        Some(json!({"action": "addNote", "contactId": "c1", "body": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answer["error"], "GHL integration is not configured");
    let item = create_item(
        &app,
        &staff,
        json!({"title": "Acme", "ghlContactId": "contact-1"}),
    )
    .await;
    let path = format!("/api/work-items/{}/messages", item["id"].as_str().unwrap());
    let (_, logged) = call(
        &app,
        &staff,
        Method::POST,
        &path,
        Some(json!({"channel": "SMS", "body": "Hi"})),
    )
    .await;
    assert_eq!(
        logged["data"]["status"], "LOGGED",
        "logged only without GHL"
    );
    assert_eq!(ghl::count_events(&app).await, 0);
    app.stop().await;
}

on_both_backends!(
    every_action_is_delivered_with_its_token_and_version,
    item_messages_are_queued_with_the_message_and_follow_its_delivery,
    a_429_waits_for_retry_after_then_delivers,
    server_errors_retry_and_other_4xx_fail_at_once,
    without_ghl_configured_the_outbound_endpoint_answers_503,
);

/// A call that gets no answer in time is a retryable failure, not a refusal.
#[tokio::test]
async fn a_timeout_is_retryable() {
    let slow = ResponseTemplate::new(200).set_delay(Duration::from_secs(5));
    let (server, _) = ghl_mock::start(vec![], slow).await;
    let client = GhlClient::new(server.uri().parse().unwrap(), "k".to_string().into())
        .with_timeout(Duration::from_millis(200));
    let started = Instant::now();
    let action = OutboundAction::AddNote {
        contact_id: "c1".into(),
        body: "x".into(),
    };
    let outcome = client.send(&action.request()).await;
    assert!(matches!(outcome, Outcome::Retryable { .. }), "{outcome:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}
