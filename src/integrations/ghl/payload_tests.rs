//! Payload parsing on the flat and `data`-nested shapes of each event kind we act on.

use chrono::TimeZone;
use serde_json::json;

use super::*;

fn nest(flat: Value) -> Value {
    // The `data`-nested shape: envelope fields on top, the rest under `data`.
    let mut data = flat.as_object().unwrap().clone();
    let mut top = Map::new();
    for key in ["type", "webhookId", "timestamp", "locationId"] {
        if let Some(value) = data.remove(key) {
            top.insert(key.to_string(), value);
        }
    }
    top.insert("data".to_string(), Value::Object(data));
    Value::Object(top)
}

#[test]
fn identity_prefers_the_webhook_id_then_type_id_and_timestamp() {
    let flat = json!({"type": "ContactCreate", "id": "c1", "webhookId": "w1", "timestamp": "2025-01-01T00:00:00Z"});
    for payload in [flat.clone(), nest(flat)] {
        let identity = Identity::of(&payload);
        assert_eq!(identity.event_type, "ContactCreate");
        assert_eq!(identity.entity_id.as_deref(), Some("c1"));
        assert_eq!(
            identity.dedupe_key("ghl").as_deref(),
            Some("ghl:webhook:w1")
        );
    }
    let anonymous =
        json!({"type": "ContactUpdate", "id": "c1", "timestamp": "2025-01-01T00:00:00Z"});
    assert_eq!(
        Identity::of(&anonymous).dedupe_key("ghl").as_deref(),
        Some("ghl:ContactUpdate:c1:2025-01-01T00:00:00Z")
    );
    // Without a timestamp two updates of one contact must not be merged.
    assert_eq!(
        Identity::of(&json!({"type": "ContactUpdate", "id": "c1"})).dedupe_key("ghl"),
        None
    );
    let workflow = Identity::of(&json!({"contact_id": "c9", "first_name": "Ann"}));
    assert_eq!(workflow.event_type, UNTYPED_EVENT);
    assert_eq!(workflow.dedupe_key("ghl"), None);
}

#[test]
fn opportunities_read_in_both_shapes() {
    let flat = json!({"type": "OpportunityStatusUpdate", "locationId": "L", "id": "o1",
        "contactId": "c1", "monetaryValue": 40, "name": "Acme redesign", "pipelineId": "p",
        "status": "won", "assignedTo": "ghl-user-1", "dateAdded": "2021-11-26T12:41:02.193Z",
        "unknownField": {"deep": [1, 2]}});
    for payload in [flat.clone(), nest(flat)] {
        let opportunity = Opportunity::of(&payload);
        assert_eq!(opportunity.id.as_deref(), Some("o1"));
        assert_eq!(opportunity.status.as_deref(), Some("won"));
        assert_eq!(opportunity.name.as_deref(), Some("Acme redesign"));
        assert_eq!(opportunity.contact_id.as_deref(), Some("c1"));
        assert_eq!(opportunity.assigned_to.as_deref(), Some("ghl-user-1"));
    }
}

#[test]
fn appointments_read_under_appointment_in_both_shapes() {
    let flat = json!({"type": "AppointmentCreate", "locationId": "L", "appointment": {
        "id": "a1", "title": "Kick-off", "contactId": "c1", "assignedUserId": "u1",
        "appointmentStatus": "confirmed", "startTime": "2025-03-10T10:00:00+01:00",
        "endTime": "2025-03-10T11:00:00+01:00"}});
    for payload in [flat.clone(), nest(flat)] {
        let appointment = Appointment::of(&payload, chrono_tz::UTC);
        assert_eq!(appointment.id.as_deref(), Some("a1"));
        assert_eq!(appointment.title.as_deref(), Some("Kick-off"));
        assert_eq!(
            appointment.start,
            Some(Utc.with_ymd_and_hms(2025, 3, 10, 9, 0, 0).unwrap())
        );
        assert_eq!(
            appointment.end,
            Some(Utc.with_ymd_and_hms(2025, 3, 10, 10, 0, 0).unwrap())
        );
        assert_eq!(appointment.assigned_user_id.as_deref(), Some("u1"));
        assert!(!appointment.is_cancelled());
        assert_eq!(Identity::of(&payload).entity_id.as_deref(), Some("a1"));
    }
}

#[test]
fn inbound_messages_read_in_both_shapes() {
    let flat = json!({"type": "InboundMessage", "locationId": "L", "body": "Looks great!",
        "contactId": "c1", "conversationId": "conv", "messageId": "m1", "messageType": "SMS",
        "direction": "inbound"});
    for payload in [flat.clone(), nest(flat)] {
        let message = InboundMessage::of(&payload);
        assert_eq!(message.body.as_deref(), Some("Looks great!"));
        assert_eq!(message.contact_id.as_deref(), Some("c1"));
        assert_eq!(message.message_id.as_deref(), Some("m1"));
        assert_eq!(message.channel, "SMS");
        assert_eq!(Identity::of(&payload).entity_id.as_deref(), Some("m1"));
    }
    let email =
        InboundMessage::of(&json!({"type": "InboundMessage", "messageType": "Email", "body": "x"}));
    assert_eq!(email.channel, "EMAIL");
}

#[test]
fn contact_names_come_from_whatever_the_payload_has() {
    let of = |value: Value| contact_name(&Fields::of(&value));
    assert_eq!(
        of(json!({"firstName": "Ann", "lastName": "Lee"})).as_deref(),
        Some("Ann Lee")
    );
    assert_eq!(
        of(json!({"data": {"fullName": "Bo Chen"}})).as_deref(),
        Some("Bo Chen")
    );
    assert_eq!(
        of(json!({"contact": {"name": "x", "companyName": "Acme"}})).as_deref(),
        Some("Acme")
    );
    assert_eq!(of(json!({"name": "an opportunity"})), None);
}

#[test]
fn times_parse_with_offsets_without_them_and_as_epoch_numbers() {
    let tz: Tz = "Europe/Berlin".parse().unwrap();
    let expected = Utc.with_ymd_and_hms(2025, 7, 1, 8, 30, 0).unwrap();
    assert_eq!(parse_time("2025-07-01T08:30:00Z", tz), Some(expected));
    assert_eq!(
        parse_time("2025-07-01T10:30:00", tz),
        Some(expected),
        "local time in tz"
    );
    assert_eq!(parse_time("2025-07-01 10:30:00", tz), Some(expected));
    assert_eq!(
        parse_time(&expected.timestamp_millis().to_string(), tz),
        Some(expected)
    );
    assert_eq!(parse_time("next tuesday", tz), None);
}
