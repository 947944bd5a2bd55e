//! What an authentic webhook must also be: fresh (a HighLevel `timestamp` within five minutes),
//! for our location (when `GHL_LOCATION_ID` is set), not a replay of a body already taken, and
//! HighLevel's ids are claimed only through the signed route, never through `/api/events`.

use chrono::{Duration, Utc};
use ops_desktop::services::audit;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp, TestOptions,
        ghl::{self, Shape, WebhookSigner},
        personas,
        work::call,
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

async fn rejections(app: &TestApp) -> Vec<String> {
    audit::recent_by_action(app.db().conn(), "webhook.rejected", 1000)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|entry| entry.summary)
        .collect()
}

fn contact_at(id: &str, timestamp: Value) -> Value {
    let mut payload = ghl::contact_create(id, Shape::Flat);
    payload["timestamp"] = timestamp;
    payload
}

async fn deliveries_outside_five_minutes_are_refused(backend: Backend) {
    let signer = WebhookSigner::new();
    let app = spawn_on(backend, signer.env()).await;
    let now = Utc::now();
    let refused = [
        (
            "six minutes old",
            json!((now - Duration::minutes(6)).to_rfc3339()),
        ),
        (
            "six minutes ahead",
            json!((now + Duration::minutes(6)).to_rfc3339()),
        ),
        ("a year old", json!("2025-06-01T10:00:00Z")),
        (
            "old, in epoch milliseconds",
            json!((now - Duration::hours(1)).timestamp_millis()),
        ),
        ("unreadable", json!("yesterday")),
    ];
    for (n, (what, at)) in refused.iter().enumerate() {
        let (status, answer) =
            ghl::post_signed(&app, &signer, &contact_at(&format!("c{n}"), at.clone())).await;
        assert_eq!(status, 400, "{what}: {answer}");
        assert!(
            answer["error"].as_str().unwrap().contains("timestamp"),
            "{what}: {answer}"
        );
    }
    assert_eq!(ghl::count_events(&app).await, 0, "nothing stored");
    let audited = rejections(&app).await;
    assert_eq!(audited.len(), refused.len(), "{audited:?}");
    assert!(
        audited.iter().all(|s| s.contains("timestamp")),
        "{audited:?}"
    );

    for (n, at) in [
        json!((now - Duration::minutes(4)).to_rfc3339()),
        json!((now + Duration::minutes(4)).to_rfc3339()),
        json!(now.timestamp_millis()),
    ]
    .into_iter()
    .enumerate()
    {
        let (status, answer) =
            ghl::post_signed(&app, &signer, &contact_at(&format!("ok{n}"), at)).await;
        assert_eq!(status, 200, "{answer}");
    }
    // A body without HighLevel's timestamp (a workflow webhook) has nothing to check.
    let workflow = json!({"contact_id": "c9", "first_name": "Bo"});
    assert_eq!(ghl::post_signed(&app, &signer, &workflow).await.0, 200);
    assert_eq!(ghl::count_events(&app).await, 4);
    app.stop().await;
}

async fn only_our_location_is_taken_when_it_is_configured(backend: Backend) {
    let signer = WebhookSigner::new();
    let mut env = signer.env();
    env.extend(ghl::api_env("http://127.0.0.1:9"));
    let app = spawn_on(backend, env).await;
    let mut foreign = ghl::contact_create("c1", Shape::Flat);
    foreign["locationId"] = json!("loc-other");
    let mut nameless = ghl::contact_create("c2", Shape::Flat);
    nameless.as_object_mut().unwrap().remove("locationId");
    let mut nested_foreign = ghl::contact_create("c3", Shape::Nested);
    nested_foreign["locationId"] = json!("loc-other");
    for (what, payload) in [
        ("another location", &foreign),
        ("no location, signed by HighLevel's key", &nameless),
        ("another location, nested shape", &nested_foreign),
    ] {
        let (status, answer) = ghl::post_signed(&app, &signer, payload).await;
        assert_eq!(status, 403, "{what}: {answer}");
        assert!(
            answer["error"].as_str().unwrap().contains("location"),
            "{answer}"
        );
    }
    // A workflow webhook names its location as `location.id`; one for another location is
    // refused even with the shared secret.
    let workflow = |location: &str| {
        serde_json::to_vec(&json!({"contact_id": "c9", "location": {"id": location}})).unwrap()
    };
    let bearer = [("authorization", format!("Bearer {}", ghl::SECRET))];
    assert_eq!(
        ghl::post_raw(&app, &workflow("loc-other"), &bearer)
            .await
            .status(),
        403
    );
    assert_eq!(ghl::count_events(&app).await, 0, "nothing stored");
    assert_eq!(rejections(&app).await.len(), 4);

    assert_eq!(
        ghl::post_raw(&app, &workflow("loc-test"), &bearer)
            .await
            .status(),
        200
    );
    let ours = ghl::contact_create("c4", Shape::Nested);
    assert_eq!(ghl::post_signed(&app, &signer, &ours).await.0, 200);
    assert_eq!(ghl::count_events(&app).await, 2);
    app.stop().await;

    // Without GHL_LOCATION_ID nothing is compared.
    let open = spawn_on(backend, signer.env()).await;
    assert_eq!(ghl::post_signed(&open, &signer, &foreign).await.0, 200);
    open.stop().await;
}

async fn a_replayed_body_without_identity_is_stored_once(backend: Backend) {
    let signer = WebhookSigner::new();
    let app = spawn_on(backend, signer.env()).await;
    let body = serde_json::to_vec(&json!({"contact_id": "c9", "first_name": "Bo"})).unwrap();
    let ways = [
        vec![("x-ghl-signature", signer.sign(&body))],
        vec![("authorization", format!("Bearer {}", ghl::SECRET))],
        vec![("x-ops-signature", ghl::ops_signature(&body))],
    ];
    let mut ids = Vec::new();
    for headers in ways.iter().chain(ways.iter()) {
        let response = ghl::post_raw(&app, &body, headers).await;
        assert_eq!(response.status(), 200);
        let answer: Value = response.json().await.unwrap();
        ids.push((ghl::event_id(&answer), answer["data"]["duplicate"].clone()));
    }
    assert_eq!(ids[0].1, false);
    assert!(
        ids[1..]
            .iter()
            .all(|(id, dup)| *id == ids[0].0 && *dup == true),
        "{ids:?}"
    );
    assert_eq!(ghl::count_events(&app).await, 1);
    // Other bytes are another delivery.
    let other = serde_json::to_vec(&json!({"contact_id": "c9", "first_name": "Bob"})).unwrap();
    let response = ghl::post_raw(
        &app,
        &other,
        &[("x-ops-signature", ghl::ops_signature(&other))],
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(ghl::count_events(&app).await, 2);
    app.stop().await;
}

async fn api_events_cannot_claim_highlevel_ids(backend: Backend) {
    let signer = WebhookSigner::new();
    let app = spawn_on(backend, signer.env()).await;
    let staff = personas::staff(&app).await;
    let genuine = ghl::contact_create("c1", Shape::Flat);
    let webhook_id = genuine["webhookId"].as_str().unwrap().to_string();
    for source in ["ghl", "GHL", " ghl "] {
        let (status, answer) = call(
            &app,
            &staff,
            Method::POST,
            "/api/events",
            Some(json!({"source": source, "type": "ContactCreate",
                "payload": {"webhookId": webhook_id}})),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{source}: {answer}"
        );
        assert!(answer["details"]["source"].is_array(), "{answer}");
    }
    assert_eq!(ghl::count_events(&app).await, 0, "nothing claimed");
    let (status, answer) = ghl::post_signed(&app, &signer, &genuine).await;
    assert_eq!(status, 200);
    assert_eq!(
        answer["data"]["duplicate"], false,
        "the genuine delivery is taken"
    );
    app.stop().await;
}

on_both_backends!(
    deliveries_outside_five_minutes_are_refused,
    only_our_location_is_taken_when_it_is_configured,
    a_replayed_body_without_identity_is_stored_once,
    api_events_cannot_claim_highlevel_ids,
);
