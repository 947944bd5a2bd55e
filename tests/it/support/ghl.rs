//! HighLevel in tests: an Ed25519 key generated per test (standing in for HighLevel's), the
//! shared webhook secret, signed webhook posts, payload fixtures in both shapes, and helpers
//! that wait for the pipeline.

use base64::{Engine, engine::general_purpose};
use ed25519_dalek::{Signer as _, SigningKey, pkcs8::EncodePublicKey};
use ops_desktop::{
    db::entities::integration_event, integrations::ghl::signature, services::events::state,
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{TestApp, wait_until};

/// The shared secret of workflow webhooks in tests.
pub const SECRET: &str = "workflow-secret-0123456789abcdef";

/// A webhook signing key, made fresh for each test.
pub struct WebhookSigner {
    key: SigningKey,
}

impl WebhookSigner {
    pub fn new() -> WebhookSigner {
        WebhookSigner {
            key: SigningKey::from_bytes(&rand::random::<[u8; 32]>()),
        }
    }

    /// The public key as HighLevel publishes keys: base64 SPKI.
    pub fn public_spki(&self) -> String {
        let der = self.key.verifying_key().to_public_key_der().unwrap();
        general_purpose::STANDARD.encode(der.as_bytes())
    }

    /// `X-GHL-Signature` for `body`.
    pub fn sign(&self, body: &[u8]) -> String {
        general_purpose::STANDARD.encode(self.key.sign(body).to_bytes())
    }

    /// Environment that makes the app trust this key and [`SECRET`].
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("GHL_WEBHOOK_PUBLIC_KEY".into(), self.public_spki()),
            ("GHL_WEBHOOK_SECRET".into(), SECRET.into()),
        ]
    }
}

/// Environment that points outbound delivery at `base` (a mock).
pub fn api_env(base: &str) -> Vec<(String, String)> {
    vec![
        ("GHL_API_KEY".into(), "pit-test-token".into()),
        ("GHL_LOCATION_ID".into(), "loc-test".into()),
        ("GHL_API_BASE".into(), base.into()),
    ]
}

/// Posts `body` to the webhook receiver with the given headers.
pub async fn post_raw(app: &TestApp, body: &[u8], headers: &[(&str, String)]) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(app.url("/api/webhooks/ghl"))
        .header("content-type", "application/json")
        .body(body.to_vec());
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    request.send().await.expect("the webhook is sent")
}

/// Posts `payload` signed with `signer`; returns the status and body.
pub async fn post_signed(app: &TestApp, signer: &WebhookSigner, payload: &Value) -> (u16, Value) {
    let body = serde_json::to_vec(payload).unwrap();
    let response = post_raw(app, &body, &[("x-ghl-signature", signer.sign(&body))]).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The id of a stored event from a webhook answer.
pub fn event_id(answer: &Value) -> Uuid {
    Uuid::parse_str(answer["data"]["id"].as_str().expect("an event id")).unwrap()
}

/// Which shape a fixture takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Every field at the top level.
    Flat,
    /// The envelope on top, the rest under `data`.
    Nested,
}

fn shaped(flat: Value, shape: Shape) -> Value {
    if shape == Shape::Flat {
        return flat;
    }
    let mut data = flat.as_object().unwrap().clone();
    let mut top = Map::new();
    for key in ["type", "webhookId", "timestamp", "locationId"] {
        if let Some(value) = data.remove(key) {
            top.insert(key.to_string(), value);
        }
    }
    top.insert("data".into(), Value::Object(data));
    Value::Object(top)
}

fn envelope(kind: &str) -> Value {
    json!({"type": kind, "locationId": "loc-test", "webhookId": Uuid::now_v7().to_string(),
        "timestamp": chrono::Utc::now().to_rfc3339()})
}

fn merge(mut base: Value, extra: Value) -> Value {
    for (key, value) in extra.as_object().unwrap() {
        base[key] = value.clone();
    }
    base
}

/// `ContactCreate` for a new contact.
pub fn contact_create(contact_id: &str, shape: Shape) -> Value {
    shaped(
        merge(
            envelope("ContactCreate"),
            json!({"id": contact_id, "firstName": "Ann", "lastName": "Lee",
                "email": "ann@example.com", "tags": ["lead"], "dateAdded": "2025-05-01T10:00:00.000Z"}),
        ),
        shape,
    )
}

/// `OpportunityStatusUpdate` to `status`.
pub fn opportunity_status(
    opportunity_id: &str,
    contact_id: &str,
    status: &str,
    assigned_to: &str,
    shape: Shape,
) -> Value {
    shaped(
        merge(
            envelope("OpportunityStatusUpdate"),
            json!({"id": opportunity_id, "contactId": contact_id, "name": "Acme website",
                "monetaryValue": 4000, "pipelineId": "p1", "pipelineStageId": "s1",
                "status": status, "assignedTo": assigned_to, "source": "referral",
                "dateAdded": "2025-05-01T10:00:00.000Z"}),
        ),
        shape,
    )
}

/// `AppointmentCreate` (or another `Appointment*` type) with fields under `appointment`.
pub fn appointment(
    kind: &str,
    appointment_id: &str,
    contact_id: &str,
    start: &str,
    end: &str,
    shape: Shape,
) -> Value {
    shaped(
        merge(
            envelope(kind),
            json!({"appointment": {"id": appointment_id, "title": "Kick-off call",
                "calendarId": "cal1", "contactId": contact_id, "assignedUserId": "ghl-user-1",
                "appointmentStatus": "confirmed", "startTime": start, "endTime": end,
                "dateAdded": "2025-05-01T10:00:00.000Z"}}),
        ),
        shape,
    )
}

/// `InboundMessage` from a contact.
pub fn inbound_message(contact_id: &str, message_id: &str, body: &str, shape: Shape) -> Value {
    shaped(
        merge(
            envelope("InboundMessage"),
            json!({"contactId": contact_id, "conversationId": "conv1", "messageId": message_id,
                "body": body, "messageType": "SMS", "direction": "inbound", "status": "delivered",
                "dateAdded": "2025-05-01T10:00:00.000Z"}),
        ),
        shape,
    )
}

/// The stored event.
pub async fn event(app: &TestApp, id: Uuid) -> integration_event::Model {
    integration_event::Entity::find_by_id(id)
        .one(app.db().conn())
        .await
        .unwrap()
        .expect("the event exists")
}

/// Waits until the event leaves `RECEIVED`/`QUEUED` (or reaches `wanted`), and returns it.
pub async fn settled(app: &TestApp, id: Uuid, wanted: &str) -> integration_event::Model {
    wait_until(20, &format!("event {id} to be {wanted}"), || async {
        event(app, id).await.state == wanted
    })
    .await;
    event(app, id).await
}

/// How many events are stored.
pub async fn count_events(app: &TestApp) -> u64 {
    integration_event::Entity::find()
        .count(app.db().conn())
        .await
        .unwrap()
}

/// How many inbound events are still waiting for the worker.
pub async fn count_waiting(app: &TestApp) -> u64 {
    integration_event::Entity::find()
        .filter(integration_event::Column::State.eq(state::RECEIVED))
        .count(app.db().conn())
        .await
        .unwrap()
}

/// The `X-Ops-Signature` of `body` with [`SECRET`].
pub fn ops_signature(body: &[u8]) -> String {
    signature::ops_signature(body, SECRET.as_bytes())
}
