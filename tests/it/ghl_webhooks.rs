//! `POST /api/webhooks/ghl`: Ed25519, bearer and HMAC authentication on the raw body, every
//! way of being refused (401, audited, nothing stored), malformed bodies, redelivery, and
//! the fixtures of each event kind in both shapes.

use ops_desktop::{
    db::entities::{audit_log, job},
    services::audit,
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp, TestOptions,
        ghl::{self, Shape, WebhookSigner},
    },
};

async fn spawn_on(backend: Backend, env: Vec<(String, String)>) -> TestApp {
    TestApp::spawn_with(
        backend,
        TestOptions {
            env,
            ..TestOptions::default()
        },
    )
    .await
}

async fn rejections(app: &TestApp) -> usize {
    audit::recent_by_action(app.db().conn(), "webhook.rejected", 1000)
        .await
        .unwrap()
        .len()
}

async fn signed_webhooks_are_stored_once_and_redeliveries_answer_200(backend: Backend) {
    let signer = WebhookSigner::new();
    let app = spawn_on(backend, signer.env()).await;
    let payload = ghl::contact_create("contact-1", Shape::Flat);

    let (status, first) = ghl::post_signed(&app, &signer, &payload).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["data"]["duplicate"], false);
    let id = ghl::event_id(&first);
    // Stored before the answer: it is there the moment the 200 arrives.
    let stored = ghl::event(&app, id).await;
    assert_eq!(stored.event_type, "ContactCreate");
    assert_eq!(stored.external_id.as_deref(), Some("contact-1"));
    assert_eq!(stored.payload, payload, "the payload is kept as received");

    let (status, again) = ghl::post_signed(&app, &signer, &payload).await;
    assert_eq!(status, 200);
    assert_eq!(again["data"]["duplicate"], true);
    assert_eq!(ghl::event_id(&again), id);
    assert_eq!(ghl::count_events(&app).await, 1);

    let processed = ghl::settled(&app, id, "TRIAGE").await;
    assert!(
        processed
            .response
            .unwrap()
            .contains("no rule covers ContactCreate")
    );
    let jobs = job::Entity::find()
        .filter(job::Column::Kind.eq("events.process"))
        .count(app.db().conn())
        .await
        .unwrap();
    assert_eq!(jobs, 1, "one processing job for one event");
    app.stop().await;
}

async fn the_shared_secret_works_as_bearer_and_as_hmac(backend: Backend) {
    let signer = WebhookSigner::new();
    let app = spawn_on(backend, signer.env()).await;
    let bearer_body = serde_json::to_vec(&ghl::contact_create("c-bearer", Shape::Flat)).unwrap();
    let response = ghl::post_raw(
        &app,
        &bearer_body,
        &[("authorization", format!("Bearer {}", ghl::SECRET))],
    )
    .await;
    assert_eq!(response.status(), 200);

    let hmac_body = serde_json::to_vec(&ghl::contact_create("c-hmac", Shape::Nested)).unwrap();
    let response = ghl::post_raw(
        &app,
        &hmac_body,
        &[("x-ops-signature", ghl::ops_signature(&hmac_body))],
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(ghl::count_events(&app).await, 2);
    assert_eq!(rejections(&app).await, 0);
    app.stop().await;
}

async fn every_refusal_is_401_audited_and_stores_nothing(backend: Backend) {
    let signer = WebhookSigner::new();
    let app = spawn_on(backend, signer.env()).await;
    let body = serde_json::to_vec(&ghl::contact_create("c1", Shape::Flat)).unwrap();
    let other_body = serde_json::to_vec(&ghl::contact_create("c2", Shape::Flat)).unwrap();
    let stranger = WebhookSigner::new();
    let cases: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("no credentials at all", vec![]),
        (
            "signed by another key",
            vec![("x-ghl-signature", stranger.sign(&body))],
        ),
        (
            "a signature of another body",
            vec![("x-ghl-signature", signer.sign(&other_body))],
        ),
        (
            "a signature that is not base64",
            vec![("x-ghl-signature", "@@not base64@@".into())],
        ),
        (
            "the legacy RSA header",
            vec![("x-wh-signature", signer.sign(&body))],
        ),
        (
            "a wrong bearer secret",
            vec![("authorization", "Bearer not-the-secret".into())],
        ),
        (
            "the secret under another scheme",
            vec![("authorization", format!("Basic {}", ghl::SECRET))],
        ),
        (
            "an API-token-looking bearer",
            vec![("authorization", "Bearer ops_pat_abc".into())],
        ),
        (
            "an HMAC with the wrong secret",
            vec![(
                "x-ops-signature",
                ops_desktop::integrations::ghl::signature::ops_signature(&body, b"wrong"),
            )],
        ),
        (
            "an HMAC of another body",
            vec![("x-ops-signature", ghl::ops_signature(&other_body))],
        ),
        (
            "an HMAC without its prefix",
            vec![(
                "x-ops-signature",
                ghl::ops_signature(&body).replace("sha256=", ""),
            )],
        ),
    ];
    for (what, headers) in &cases {
        let response = ghl::post_raw(&app, &body, headers).await;
        assert_eq!(response.status(), 401, "{what}");
        let answer: Value = response.json().await.unwrap();
        assert!(
            answer["error"].as_str().unwrap().contains("signature"),
            "{what}: {answer}"
        );
    }
    assert_eq!(ghl::count_events(&app).await, 0, "nothing stored");
    assert_eq!(rejections(&app).await, cases.len(), "each refusal audited");
    let entry = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("webhook.rejected"))
        .one(app.db().conn())
        .await
        .unwrap()
        .unwrap();
    assert!(entry.ip.is_some() && entry.request_id.is_some());
    app.stop().await;

    // Without a configured key HighLevel's published one applies, so ours does not verify;
    // without a configured secret, no bearer is accepted.
    let bare = spawn_on(backend, vec![]).await;
    for headers in [
        vec![("x-ghl-signature", signer.sign(&body))],
        vec![("authorization", format!("Bearer {}", ghl::SECRET))],
        vec![("x-ops-signature", ghl::ops_signature(&body))],
    ] {
        assert_eq!(ghl::post_raw(&bare, &body, &headers).await.status(), 401);
    }
    assert_eq!(ghl::count_events(&bare).await, 0);
    bare.stop().await;
}

async fn authentic_bodies_that_are_not_json_objects_are_400(backend: Backend) {
    let signer = WebhookSigner::new();
    let app = spawn_on(backend, signer.env()).await;
    for body in [&b"{not json"[..], b"[1, 2, 3]", b"", b"\"text\""] {
        let response = ghl::post_raw(&app, body, &[("x-ghl-signature", signer.sign(body))]).await;
        assert_eq!(response.status(), 400, "{}", String::from_utf8_lossy(body));
    }
    assert_eq!(ghl::count_events(&app).await, 0);
    assert_eq!(
        rejections(&app).await,
        0,
        "authentic, so not a rejected signature"
    );
    app.stop().await;
}

async fn without_a_webhook_id_type_id_and_timestamp_identify_a_redelivery(backend: Backend) {
    let signer = WebhookSigner::new();
    let app = spawn_on(backend, signer.env()).await;
    let now = chrono::Utc::now();
    let (at, later_at) = (
        (now - chrono::Duration::minutes(1)).to_rfc3339(),
        now.to_rfc3339(),
    );
    let update = |at: &str, name: &str| json!({"type": "ContactUpdate", "id": "c1", "timestamp": at, "firstName": name});
    let first = ghl::post_signed(&app, &signer, &update(&at, "Ann")).await;
    // Other bytes, same type, id and timestamp: still the same delivery.
    let again = ghl::post_signed(&app, &signer, &update(&at, "Anne")).await;
    let later = ghl::post_signed(&app, &signer, &update(&later_at, "Ann")).await;
    assert_eq!((first.0, again.0, later.0), (200, 200, 200));
    assert_eq!(ghl::event_id(&first.1), ghl::event_id(&again.1));
    assert_eq!(again.1["data"]["duplicate"], true);
    assert_ne!(ghl::event_id(&first.1), ghl::event_id(&later.1));
    // A workflow webhook without any identity is told apart by its bytes (webhook_replay.rs).
    ghl::post_signed(
        &app,
        &signer,
        &json!({"contact_id": "c9", "first_name": "Bo"}),
    )
    .await;
    ghl::post_signed(
        &app,
        &signer,
        &json!({"contact_id": "c9", "first_name": "Bob"}),
    )
    .await;
    assert_eq!(ghl::count_events(&app).await, 4);
    app.stop().await;
}

async fn each_event_kind_is_read_in_both_shapes(backend: Backend) {
    let signer = WebhookSigner::new();
    let app = spawn_on(backend, signer.env()).await;
    for shape in [Shape::Flat, Shape::Nested] {
        let fixtures = [
            (ghl::contact_create("c1", shape), "ContactCreate", "c1"),
            (
                ghl::opportunity_status("o1", "c1", "open", "u1", shape),
                "OpportunityStatusUpdate",
                "o1",
            ),
            (
                ghl::appointment(
                    "AppointmentCreate",
                    "a1",
                    "c1",
                    "2025-07-01T10:00:00Z",
                    "2025-07-01T11:00:00Z",
                    shape,
                ),
                "AppointmentCreate",
                "a1",
            ),
            (
                ghl::inbound_message("c1", "m1", "Hello", shape),
                "InboundMessage",
                "m1",
            ),
        ];
        for (payload, kind, external_id) in fixtures {
            let (status, answer) = ghl::post_signed(&app, &signer, &payload).await;
            assert_eq!(status, 200, "{kind} {shape:?}: {answer}");
            let stored = ghl::event(&app, ghl::event_id(&answer)).await;
            assert_eq!(stored.event_type, kind, "{shape:?}");
            assert_eq!(
                stored.external_id.as_deref(),
                Some(external_id),
                "{kind} {shape:?}"
            );
            assert_eq!(stored.source, "ghl");
        }
    }
    assert_eq!(ghl::count_events(&app).await, 8);
    app.stop().await;
}

/// Concurrent deliveries of one event meet at the unique index: one row, every answer 200.
async fn concurrent_redeliveries_store_one_event(backend: Backend) {
    let signer = WebhookSigner::new();
    let app = spawn_on(backend, signer.env()).await;
    let body = serde_json::to_vec(&ghl::contact_create("c-race", Shape::Flat)).unwrap();
    let signature = signer.sign(&body);
    let mut sends = Vec::new();
    for _ in 0..12 {
        let (app_url, body, signature) = (
            app.url("/api/webhooks/ghl"),
            body.clone(),
            signature.clone(),
        );
        sends.push(tokio::spawn(async move {
            reqwest::Client::new()
                .post(app_url)
                .header("x-ghl-signature", signature)
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    for send in sends {
        assert_eq!(send.await.unwrap(), 200);
    }
    assert_eq!(ghl::count_events(&app).await, 1);
    app.stop().await;
}

/// Forged requests cannot fill the audit log: past the limit they get 429 and no entry,
/// while authentic deliveries are never throttled.
async fn refusals_beyond_the_limit_get_429_without_an_audit_entry(backend: Backend) {
    let signer = WebhookSigner::new();
    let mut env = signer.env();
    env.push(("RATE_LIMIT_API_PER_MINUTE".into(), "3".into()));
    let app = spawn_on(backend, env).await;
    let body = serde_json::to_vec(&ghl::contact_create("c1", Shape::Flat)).unwrap();
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(ghl::post_raw(&app, &body, &[]).await.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 429, 429]);
    assert_eq!(rejections(&app).await, 3);
    for n in 0..5 {
        let payload = ghl::contact_create(&format!("c{n}"), Shape::Flat);
        assert_eq!(ghl::post_signed(&app, &signer, &payload).await.0, 200);
    }
    app.stop().await;
}

on_both_backends!(
    refusals_beyond_the_limit_get_429_without_an_audit_entry,
    concurrent_redeliveries_store_one_event,
    signed_webhooks_are_stored_once_and_redeliveries_answer_200,
    the_shared_secret_works_as_bearer_and_as_hmac,
    every_refusal_is_401_audited_and_stores_nothing,
    authentic_bodies_that_are_not_json_objects_are_400,
    without_a_webhook_id_type_id_and_timestamp_identify_a_redelivery,
    each_event_kind_is_read_in_both_shapes,
);
