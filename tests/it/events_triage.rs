//! What people do with events: the generic intake (API token, same dedupe), the two queues
//! of `GET /api/events`, triage actions (convert, dismiss, retry), a failing rule retried with
//! backoff into a visible `FAILED`.

use ops_desktop::{
    auth::api_tokens,
    db::{entities::integration_rule, time},
    domain::ids::UserId,
    services::audit::Actor,
};
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp, ghl,
        personas::{self, Persona},
        work::call,
    },
};

/// Posts a generic event as `who`.
async fn intake(app: &TestApp, who: &Persona, body: Value) -> (StatusCode, Value) {
    call(app, who, Method::POST, "/api/events", Some(body)).await
}

fn id_of(answer: &Value) -> Uuid {
    Uuid::parse_str(answer["data"]["id"].as_str().unwrap()).unwrap()
}

async fn the_generic_intake_takes_api_tokens_and_dedupes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let (token, _) =
        api_tokens::create(app.db(), &Actor::system(), UserId(staff.user.id), "zapier")
            .await
            .unwrap();
    let post = |body: Value| {
        reqwest::Client::new()
            .post(app.url("/api/events"))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let event = json!({"source": "zapier", "type": "FormSubmitted", "externalId": "sub-1",
        "payload": {"name": "Bo Chen", "email": "bo@example.com"}});
    let first = post(event.clone()).await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let again = post(event).await.unwrap();
    assert_eq!(again.status(), 200, "a redelivery");
    let again: Value = again.json().await.unwrap();
    assert_eq!(first["data"]["id"], again["data"]["id"]);
    assert_eq!(ghl::count_events(&app).await, 1);
    ghl::settled(&app, id_of(&first), "TRIAGE").await;

    let refused = post(json!({"source": "Has Spaces", "payload": 1}))
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let details: Value = refused.json().await.unwrap();
    assert!(details["details"]["source"].is_array() && details["details"]["type"].is_array());
    let anonymous = reqwest::Client::new()
        .post(app.url("/api/events"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    app.stop().await;
}

async fn the_queues_show_counts_and_pages_filtered_by_state_and_type(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    for n in 0..3 {
        let (status, _) = intake(
            &app,
            &staff,
            json!({"source": "crm", "type": "Ping", "externalId": format!("p{n}")}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (_, pong) = intake(
        &app,
        &staff,
        json!({"source": "crm", "type": "Pong", "externalId": "x", "payload": {"ping": "pong"}}),
    )
    .await;
    ghl::settled(&app, id_of(&pong), "TRIAGE").await;
    crate::support::wait_until(20, "all in triage", || async {
        ghl::count_waiting(&app).await == 0
    })
    .await;

    let (status, all) = call(&app, &staff, Method::GET, "/api/events", None).await;
    assert_eq!(status, StatusCode::OK);
    let inbound = &all["data"]["inbound"];
    assert_eq!(inbound["counts"]["TRIAGE"], 4);
    assert_eq!(inbound["counts"]["PROCESSED"], 0, "every state is counted");
    assert_eq!(all["data"]["outbound"]["counts"]["QUEUED"], 0);
    assert_eq!(inbound["items"].as_array().unwrap().len(), 4);
    assert_eq!(inbound["items"][0]["type"], "Pong", "newest first");
    assert!(
        inbound["items"][0].get("payload").is_none(),
        "the list carries summaries, never payloads"
    );
    let newest = inbound["items"][0]["id"].as_str().unwrap().to_string();
    let (status, one) = call(
        &app,
        &staff,
        Method::GET,
        &format!("/api/events/{newest}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["data"]["type"], "Pong");
    assert_eq!(
        one["data"]["payload"]["ping"], "pong",
        "the detail has the payload"
    );
    let (status, _) = call(
        &app,
        &staff,
        Method::GET,
        &format!("/api/events/{}", Uuid::now_v7()),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (_, page) = call(
        &app,
        &staff,
        Method::GET,
        "/api/events?type=Ping&limit=2",
        None,
    )
    .await;
    let items = page["data"]["inbound"]["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    let cursor = page["data"]["inbound"]["nextCursor"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, rest) = call(
        &app,
        &staff,
        Method::GET,
        &format!("/api/events?type=Ping&limit=2&inboundCursor={cursor}"),
        None,
    )
    .await;
    let rest = rest["data"]["inbound"]["items"].as_array().unwrap().clone();
    assert_eq!(rest.len(), 1);
    assert!(rest[0]["id"] != items[0]["id"] && rest[0]["id"] != items[1]["id"]);
    assert!(page["data"]["inbound"]["nextCursor"].is_string());

    let (_, none) = call(
        &app,
        &staff,
        Method::GET,
        "/api/events?state=PROCESSED",
        None,
    )
    .await;
    assert_eq!(
        none["data"]["inbound"]["items"].as_array().unwrap().len(),
        0
    );
    for bad in ["state=NOPE", "limit=0", "inboundCursor=zzz", "colour=blue"] {
        let (status, body) = call(
            &app,
            &staff,
            Method::GET,
            &format!("/api/events?{bad}"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
    }
    app.stop().await;
}

async fn triage_converts_dismisses_and_retries(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = personas::staff(&app).await;
    let contact =
        json!({"type": "ContactCreate", "id": "contact-5", "firstName": "Ann", "lastName": "Lee"});
    let (_, first) = intake(&app, &staff, json!({"source": "crm", "type": "ContactCreate", "externalId": "contact-5", "payload": contact})).await;
    let first = id_of(&first);
    ghl::settled(&app, first, "TRIAGE").await;

    let (status, converted) = call(
        &app,
        &staff,
        Method::POST,
        &format!("/api/events/{first}/convert"),
        Some(json!({"priority": "HIGH", "ownerId": staff.user.id.to_string()})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{converted}");
    assert_eq!(converted["data"]["state"], "PROCESSED");
    let item_id = converted["data"]["workItemId"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, item) = call(
        &app,
        &staff,
        Method::GET,
        &format!("/api/work-items/{item_id}"),
        None,
    )
    .await;
    assert_eq!(item["data"]["title"], "ContactCreate: Ann Lee");
    assert_eq!(item["data"]["client"], "Ann Lee");
    assert_eq!(item["data"]["ghlContactId"], "contact-5");
    assert_eq!(item["data"]["priority"], "HIGH");
    assert_eq!(item["data"]["type"], "REQUEST");
    let (status, _) = call(
        &app,
        &staff,
        Method::POST,
        &format!("/api/events/{first}/convert"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "only once");

    let (_, second) = intake(
        &app,
        &staff,
        json!({"source": "crm", "type": "ContactCreate", "externalId": "contact-6"}),
    )
    .await;
    let second = id_of(&second);
    ghl::settled(&app, second, "TRIAGE").await;
    let (status, invalid) = call(
        &app,
        &staff,
        Method::POST,
        &format!("/api/events/{second}/convert"),
        Some(json!({"type": "EVENT", "title": ""})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(invalid["details"]["startAt"].is_array() && invalid["details"]["title"].is_array());
    assert_eq!(
        ghl::event(&app, second).await.state,
        "TRIAGE",
        "a refused convert changes nothing"
    );
    let (status, retried) = call(
        &app,
        &staff,
        Method::POST,
        &format!("/api/events/{second}/retry"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(retried["data"]["state"], "RECEIVED");
    ghl::settled(&app, second, "TRIAGE").await;
    let (status, dismissed) = call(
        &app,
        &staff,
        Method::POST,
        &format!("/api/events/{second}/dismiss"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(dismissed["data"]["state"], "DISMISSED");
    for action in ["convert", "dismiss", "retry"] {
        let (status, _) = call(
            &app,
            &staff,
            Method::POST,
            &format!("/api/events/{second}/{action}"),
            None,
        )
        .await;
        assert_eq!(
            status,
            StatusCode::CONFLICT,
            "{action} of a dismissed event"
        );
    }
    let (status, _) = call(
        &app,
        &staff,
        Method::POST,
        &format!("/api/events/{}/dismiss", Uuid::now_v7()),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}

async fn a_failing_rule_retries_with_backoff_then_fails_with_its_error(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = personas::admin(&app).await;
    // A rule whose config the API would refuse, as if written by an older version.
    let now = time::now();
    let broken = integration_rule::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set("Broken rule".into()),
        event_type: Set("Flaky".into()),
        action: Set("TRIAGE".into()),
        template_id: Set(None),
        config: Set(json!({"when": "nonsense"})),
        active: Set(true),
        position: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(app.db().conn())
    .await
    .unwrap();
    let (_, event) = intake(
        &app,
        &admin,
        json!({"source": "test", "type": "Flaky", "externalId": "1"}),
    )
    .await;
    let id = id_of(&event);
    let failed = ghl::settled(&app, id, "FAILED").await;
    assert_eq!(failed.attempts, 5, "every attempt was made");
    assert!(
        failed.last_error.unwrap().contains("Broken rule"),
        "the error is shown"
    );

    let (status, _) = call(
        &app,
        &admin,
        Method::PATCH,
        &format!("/api/admin/integration-rules/{}", broken.id),
        Some(json!({"config": {}})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(
        &app,
        &admin,
        Method::POST,
        &format!("/api/events/{id}/retry"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let recovered = ghl::settled(&app, id, "TRIAGE").await;
    assert!(recovered.last_error.is_none());
    app.stop().await;
}

on_both_backends!(
    the_generic_intake_takes_api_tokens_and_dedupes,
    the_queues_show_counts_and_pages_filtered_by_state_and_type,
    triage_converts_dismisses_and_retries,
    a_failing_rule_retries_with_backoff_then_fails_with_its_error,
);
