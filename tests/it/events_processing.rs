//! Processing by the default rules of docs/PRODUCT.md §7: a won opportunity makes the items of the
//! rule's template (owner mapped from the GHL user), appointments create and then move their
//! `EVENT` item, inbound messages attach to the client's open item and notify its owner, and
//! everything else waits in triage.

use ops_desktop::db::entities::{message, notification, subtask, user, work_item};
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    on_both_backends,
    support::{
        Backend, TestApp, TestOptions,
        ghl::{self, Shape, WebhookSigner},
        personas::{self, Persona},
        work::{call, create_item},
    },
};

async fn spawn(backend: Backend, signer: &WebhookSigner) -> TestApp {
    TestApp::spawn_with(
        backend,
        TestOptions {
            env: signer.env(),
            ..TestOptions::default()
        },
    )
    .await
}

/// Gives `person` a HighLevel user id, as an admin would map them.
async fn map_ghl_user(app: &TestApp, person: &Persona, ghl_user_id: &str) {
    let mut model: user::ActiveModel = person.user.clone().into();
    model.ghl_user_id = Set(Some(ghl_user_id.to_string()));
    model.update(app.db().conn()).await.unwrap();
}

/// The id of the default rule for `event_type`.
async fn default_rule(app: &TestApp, admin: &Persona, event_type: &str) -> String {
    let (status, rules) = call(
        app,
        admin,
        Method::GET,
        "/api/admin/integration-rules",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    rules["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["eventType"] == event_type)
        .unwrap_or_else(|| panic!("a default rule for {event_type}: {rules}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn send(app: &TestApp, signer: &WebhookSigner, payload: &Value) -> Uuid {
    let (status, answer) = ghl::post_signed(app, signer, payload).await;
    assert_eq!(status, 200, "{answer}");
    ghl::event_id(&answer)
}

async fn won_opportunities_become_items_of_the_rules_template(backend: Backend) {
    let signer = WebhookSigner::new();
    let app = spawn(backend, &signer).await;
    let admin = personas::admin(&app).await;
    let staff = personas::staff(&app).await;
    map_ghl_user(&app, &staff, "ghl-user-7").await;

    // The default rule has no template yet, so the first won deal waits in triage.
    let won = ghl::opportunity_status("opp-1", "contact-1", "won", "ghl-user-7", Shape::Nested);
    let first = send(&app, &signer, &won).await;
    let waiting = ghl::settled(&app, first, "TRIAGE").await;
    assert!(
        waiting.response.unwrap().contains("no template"),
        "the reason is shown"
    );

    let (status, template) = call(&app, &admin, Method::POST, "/api/templates", Some(json!({
        "name": "Client onboarding", "type": "DELIVERABLE", "durationDays": 10,
        "tags": ["onboarding"], "subtasks": [{"title": "Kick-off", "dueOffsetDays": -9}, {"title": "Handover", "dueOffsetDays": 0}],
    }))).await;
    assert_eq!(status, StatusCode::CREATED, "{template}");
    let rule = default_rule(&app, &admin, "OpportunityStatusUpdate").await;
    let (status, patched) = call(
        &app,
        &admin,
        Method::PATCH,
        &format!("/api/admin/integration-rules/{rule}"),
        Some(json!({"templateId": template["data"]["id"]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{patched}");

    let (status, retried) = call(
        &app,
        &staff,
        Method::POST,
        &format!("/api/events/{first}/retry"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{retried}");
    let processed = ghl::settled(&app, first, "PROCESSED").await;
    let item = work_item::Entity::find_by_id(processed.work_item_id.expect("linked to its item"))
        .one(app.db().conn())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(item.title, "Client onboarding: Acme website");
    assert_eq!(
        item.owner_id,
        Some(staff.user.id),
        "owner mapped from the GHL user"
    );
    assert_eq!(item.ghl_opportunity_id.as_deref(), Some("opp-1"));
    assert_eq!(item.ghl_contact_id.as_deref(), Some("contact-1"));
    assert_eq!(
        item.template_id.map(|t| t.to_string()).as_deref(),
        template["data"]["id"].as_str()
    );
    let steps = subtask::Entity::find()
        .filter(subtask::Column::WorkItemId.eq(item.id))
        .count(app.db().conn())
        .await
        .unwrap();
    assert_eq!(steps, 2, "the template's subtasks came along");

    // The same deal won again (a new delivery) does not make a second item.
    let again = ghl::opportunity_status("opp-1", "contact-1", "won", "ghl-user-7", Shape::Flat);
    let second = ghl::settled(&app, send(&app, &signer, &again).await, "PROCESSED").await;
    assert_eq!(second.work_item_id, Some(item.id));
    // A lost deal matches no rule.
    let lost = ghl::opportunity_status("opp-2", "contact-2", "lost", "", Shape::Flat);
    ghl::settled(&app, send(&app, &signer, &lost).await, "TRIAGE").await;
    let items = work_item::Entity::find()
        .count(app.db().conn())
        .await
        .unwrap();
    assert_eq!(items, 1);
    app.stop().await;
}

async fn appointments_create_then_move_their_event_item(backend: Backend) {
    let signer = WebhookSigner::new();
    let app = spawn(backend, &signer).await;
    let staff = personas::staff(&app).await;
    map_ghl_user(&app, &staff, "ghl-user-1").await;

    let created = ghl::appointment(
        "AppointmentCreate",
        "appt-1",
        "contact-1",
        "2025-09-01T10:00:00+02:00",
        "2025-09-01T11:00:00+02:00",
        Shape::Nested,
    );
    let first = ghl::settled(&app, send(&app, &signer, &created).await, "PROCESSED").await;
    let item_id = first.work_item_id.expect("an EVENT item");
    let item = work_item::Entity::find_by_id(item_id)
        .one(app.db().conn())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(item.item_type.as_str(), "EVENT");
    assert_eq!(item.title, "Kick-off call");
    assert_eq!(
        item.start_at.unwrap().to_rfc3339(),
        "2025-09-01T08:00:00+00:00"
    );
    assert_eq!(
        item.due_at.unwrap().to_rfc3339(),
        "2025-09-01T09:00:00+00:00"
    );
    assert_eq!(item.owner_id, Some(staff.user.id));

    let moved = ghl::appointment(
        "AppointmentUpdate",
        "appt-1",
        "contact-1",
        "2025-09-03T15:00:00Z",
        "2025-09-03T15:30:00Z",
        Shape::Flat,
    );
    let second = ghl::settled(&app, send(&app, &signer, &moved).await, "PROCESSED").await;
    assert_eq!(second.work_item_id, Some(item_id), "the same item moved");
    let item = work_item::Entity::find_by_id(item_id)
        .one(app.db().conn())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        item.start_at.unwrap().to_rfc3339(),
        "2025-09-03T15:00:00+00:00"
    );
    assert_eq!(item.version, 2);
    let events = work_item::Entity::find()
        .filter(work_item::Column::ItemType.eq("EVENT"))
        .count(app.db().conn())
        .await
        .unwrap();
    assert_eq!(events, 1);

    let (status, history) = call(
        &app,
        &staff,
        Method::GET,
        &format!("/api/work-items/{item_id}/history"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        history.to_string().contains("work_item.due"),
        "the move is audited: {history}"
    );

    // An appointment without a start time cannot be placed: triage says why.
    let mut timeless = ghl::appointment("AppointmentCreate", "appt-2", "c", "", "", Shape::Flat);
    timeless["appointment"]["startTime"] = Value::Null;
    let waiting = ghl::settled(&app, send(&app, &signer, &timeless).await, "TRIAGE").await;
    assert!(waiting.response.unwrap().contains("no start time"));
    app.stop().await;
}

async fn inbound_messages_attach_to_the_open_item_and_notify_its_owner(backend: Backend) {
    let signer = WebhookSigner::new();
    let app = spawn(backend, &signer).await;
    let staff = personas::staff(&app).await;
    let done = create_item(
        &app,
        &staff,
        json!({"title": "Old job", "ghlContactId": "contact-9",
        "ownerId": staff.user.id.to_string(), "status": "CANCELLED"}),
    )
    .await;
    let open = create_item(
        &app,
        &staff,
        json!({"title": "Acme site", "ghlContactId": "contact-9",
        "ownerId": staff.user.id.to_string()}),
    )
    .await;
    let open_id = Uuid::parse_str(open["id"].as_str().unwrap()).unwrap();

    for (shape, message_id) in [(Shape::Flat, "m-1"), (Shape::Nested, "m-2")] {
        let payload = ghl::inbound_message("contact-9", message_id, "Looks great, thanks!", shape);
        let event = ghl::settled(&app, send(&app, &signer, &payload).await, "PROCESSED").await;
        assert_eq!(event.work_item_id, Some(open_id), "{shape:?}");
    }
    let messages = message::Entity::find()
        .filter(message::Column::WorkItemId.eq(open_id))
        .all(app.db().conn())
        .await
        .unwrap();
    assert_eq!(messages.len(), 2);
    assert!(
        messages
            .iter()
            .all(|m| m.direction == "INBOUND" && m.status == "RECEIVED" && m.channel == "SMS")
    );
    assert!(
        messages
            .iter()
            .any(|m| m.ghl_message_id.as_deref() == Some("m-2"))
    );
    let replies = notification::Entity::find()
        .filter(notification::Column::UserId.eq(staff.user.id))
        .filter(notification::Column::Kind.eq("CLIENT_REPLY"))
        .count(app.db().conn())
        .await
        .unwrap();
    assert_eq!(replies, 2, "the owner hears of each");
    assert!(done["id"] != open["id"]);

    let stranger = ghl::inbound_message("contact-unknown", "m-3", "Hi?", Shape::Flat);
    let waiting = ghl::settled(&app, send(&app, &signer, &stranger).await, "TRIAGE").await;
    assert!(waiting.response.unwrap().contains("no open item"));
    app.stop().await;
}

on_both_backends!(
    won_opportunities_become_items_of_the_rules_template,
    appointments_create_then_move_their_event_item,
    inbound_messages_attach_to_the_open_item_and_notify_its_owner,
);
