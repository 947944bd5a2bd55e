//! Reading HighLevel payloads tolerantly: unknown fields are ignored, and the same field may
//! sit at the top level (`{"type": "...", "contactId": ...}`) or under `data`
//! (`{"type": "...", "data": {"contactId": ...}}`); appointments nest theirs under
//! `appointment`. Nothing here fails on a shape it does not know: a missing field is `None`,
//! and what cannot be understood goes to triage for a person to look at.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value};

/// The event type given to a payload that names none (HighLevel workflow webhooks send the
/// contact's fields without a `type` unless the user maps one).
pub const UNTYPED_EVENT: &str = "WorkflowWebhook";

/// A read-only view over the places a field may live, searched in order.
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    layers: Vec<&'a Map<String, Value>>,
}

impl<'a> Fields<'a> {
    /// The top level, then `data` when it is an object.
    pub fn of(value: &'a Value) -> Fields<'a> {
        let mut layers = Vec::new();
        if let Some(top) = value.as_object() {
            layers.push(top);
            if let Some(data) = top.get("data").and_then(Value::as_object) {
                layers.push(data);
            }
        }
        Fields { layers }
    }

    /// The object under `key` (in any layer) first, then these fields as a fallback, so
    /// `appointment.contactId` and a top-level `contactId` both answer `contactId`.
    pub fn nested(&self, key: &str) -> Fields<'a> {
        let mut layers: Vec<&'a Map<String, Value>> = self
            .layers
            .iter()
            .filter_map(|layer| layer.get(key).and_then(Value::as_object))
            .collect();
        layers.extend(self.layers.iter().copied());
        Fields { layers }
    }

    /// The first non-empty value of any of `names`, as text (numbers and booleans too).
    pub fn text(&self, names: &[&str]) -> Option<String> {
        self.layers.iter().find_map(|layer| {
            names.iter().find_map(|name| match layer.get(*name)? {
                Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
                Value::Number(n) => Some(n.to_string()),
                Value::Bool(b) => Some(b.to_string()),
                _ => None,
            })
        })
    }

    /// The first value of any of `names` read as an instant (see [`parse_time`]).
    pub fn time(&self, names: &[&str], tz: Tz) -> Option<DateTime<Utc>> {
        self.layers.iter().find_map(|layer| {
            names.iter().find_map(|name| match layer.get(*name)? {
                Value::String(s) => parse_time(s, tz),
                Value::Number(n) => n.as_i64().and_then(from_epoch),
                _ => None,
            })
        })
    }
}

/// What identifies one delivery of an event, for storing it and recognising a redelivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub event_type: String,
    pub webhook_id: Option<String>,
    /// The id of the thing the event is about (opportunity, appointment, message, contact).
    pub entity_id: Option<String>,
    pub timestamp: Option<String>,
}

impl Identity {
    /// Reads the identity of a payload.
    pub fn of(payload: &Value) -> Identity {
        let fields = Fields::of(payload);
        let event_type = fields
            .text(&["type", "event", "eventType"])
            .unwrap_or_else(|| UNTYPED_EVENT.to_string());
        let entity_id = if event_type.starts_with("Appointment") {
            fields.nested("appointment").text(&["id"])
        } else if event_type.ends_with("Message") {
            fields.text(&["messageId", "id"])
        } else {
            fields.text(&["id"])
        };
        let mut timestamp = fields.text(&["timestamp", "dateUpdated"]);
        if timestamp.is_none() && event_type.ends_with("Create") {
            timestamp = fields.text(&["dateAdded"]);
        }
        Identity {
            event_type,
            webhook_id: fields.text(&["webhookId"]),
            entity_id,
            timestamp,
        }
    }

    /// The dedupe key under `source`: the `webhookId`, else type, id and timestamp together.
    /// `None` when the payload carries neither, so two such deliveries are both kept: a
    /// duplicate can be dismissed, a wrongly merged event would be lost.
    pub fn dedupe_key(&self, source: &str) -> Option<String> {
        if let Some(webhook_id) = &self.webhook_id {
            return Some(format!("{source}:webhook:{webhook_id}"));
        }
        match (&self.entity_id, &self.timestamp) {
            (Some(id), Some(at)) => Some(format!("{source}:{}:{id}:{at}", self.event_type)),
            _ => None,
        }
    }
}

/// Reads an instant: RFC 3339 (`2023-09-28T10:00:00+05:30`), a local date-time without an
/// offset (taken in `tz`, the organisation's zone), or milliseconds since the epoch.
pub fn parse_time(raw: &str, tz: Tz) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
        return Some(at.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(raw, format) {
            return tz
                .from_local_datetime(&naive)
                .earliest()
                .map(|local| local.with_timezone(&Utc));
        }
    }
    raw.parse::<i64>().ok().and_then(from_epoch)
}

/// Milliseconds (or, for small numbers, seconds) since the epoch.
fn from_epoch(number: i64) -> Option<DateTime<Utc>> {
    if number > 100_000_000_000 {
        DateTime::from_timestamp_millis(number)
    } else {
        DateTime::from_timestamp(number, 0)
    }
}

/// The person or company an event is about, for an item's `client`.
pub fn contact_name(fields: &Fields<'_>) -> Option<String> {
    let contact = fields.nested("contact");
    if let Some(name) = contact.text(&["contactName", "fullName", "full_name"]) {
        return Some(name);
    }
    let first = contact.text(&["firstName", "first_name"]);
    let last = contact.text(&["lastName", "last_name"]);
    match (first, last) {
        (Some(first), Some(last)) => Some(format!("{first} {last}")),
        (Some(one), None) | (None, Some(one)) => Some(one),
        (None, None) => contact.text(&["companyName", "company_name", "email", "phone"]),
    }
}

/// An opportunity event (`OpportunityStatusUpdate` and friends).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opportunity {
    pub id: Option<String>,
    pub name: Option<String>,
    pub status: Option<String>,
    pub contact_id: Option<String>,
    pub contact_name: Option<String>,
    /// The HighLevel user the opportunity is assigned to.
    pub assigned_to: Option<String>,
}

impl Opportunity {
    /// Reads an opportunity from a payload of either shape.
    pub fn of(payload: &Value) -> Opportunity {
        let fields = Fields::of(payload).nested("opportunity");
        Opportunity {
            id: fields.text(&["id", "opportunityId"]),
            name: fields.text(&["name", "opportunityName"]),
            status: fields.text(&["status"]),
            contact_id: fields.text(&["contactId", "contact_id"]),
            contact_name: contact_name(&fields),
            assigned_to: fields.text(&["assignedTo", "assignedUserId"]),
        }
    }
}

/// An appointment event (`AppointmentCreate`/`Update`), fields under `appointment`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointment {
    pub id: Option<String>,
    pub title: Option<String>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub contact_id: Option<String>,
    pub contact_name: Option<String>,
    pub assigned_user_id: Option<String>,
    /// `confirmed`, `cancelled`, `showed`, `noshow`, ...
    pub status: Option<String>,
}

impl Appointment {
    /// Reads an appointment; times without an offset are taken in `tz`.
    pub fn of(payload: &Value, tz: Tz) -> Appointment {
        let fields = Fields::of(payload).nested("appointment");
        Appointment {
            id: fields.text(&["id", "appointmentId"]),
            title: fields.text(&["title", "name"]),
            start: fields.time(&["startTime", "start_time", "startAt"], tz),
            end: fields.time(&["endTime", "end_time", "endAt"], tz),
            contact_id: fields.text(&["contactId", "contact_id"]),
            contact_name: contact_name(&fields),
            assigned_user_id: fields.text(&["assignedUserId", "assignedTo", "userId"]),
            status: fields.text(&["appointmentStatus", "status"]),
        }
    }

    /// Whether HighLevel says the appointment was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.status.as_deref().is_some_and(|s| {
            s.eq_ignore_ascii_case("cancelled") || s.eq_ignore_ascii_case("canceled")
        })
    }
}

/// A message from a client (`InboundMessage`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMessage {
    pub message_id: Option<String>,
    pub contact_id: Option<String>,
    pub body: Option<String>,
    /// `SMS`, `EMAIL` or `NOTE` (anything else HighLevel carries, such as WhatsApp or
    /// Facebook, is kept as a note).
    pub channel: &'static str,
}

impl InboundMessage {
    /// Reads a client's message from a payload of either shape.
    pub fn of(payload: &Value) -> InboundMessage {
        let fields = Fields::of(payload).nested("message");
        // Not `type`: at the top level that is the event's type (`InboundMessage`).
        let message_type = fields
            .text(&["messageType"])
            .or_else(|| fields.text(&["channel"]))
            .unwrap_or_default()
            .to_ascii_uppercase();
        let channel = match message_type.as_str() {
            "SMS" | "TYPE_SMS" => "SMS",
            t if t.contains("EMAIL") => "EMAIL",
            _ => "NOTE",
        };
        InboundMessage {
            message_id: fields.text(&["messageId", "id"]),
            contact_id: fields.text(&["contactId", "contact_id"]),
            body: fields.text(&["body", "message", "text"]),
            channel,
        }
    }
}

#[cfg(test)]
#[path = "payload_tests.rs"]
mod tests;
