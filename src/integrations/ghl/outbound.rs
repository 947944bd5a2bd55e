//! What we can ask of HighLevel, and the exact API call each request becomes: path, method,
//! `Version` header and body. Paths are given as segments so the client can percent-encode
//! ids: an id such as `../../x` must never reach another endpoint, let alone another host.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

/// `Version` for the contacts and opportunities APIs.
pub const VERSION_CONTACTS: &str = "2021-07-28";
/// `Version` for the conversations API.
pub const VERSION_CONVERSATIONS: &str = "2021-04-15";

/// How a message travels through HighLevel's conversations API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MessageChannel {
    #[serde(rename = "SMS")]
    Sms,
    #[serde(rename = "Email")]
    Email,
}

/// An opportunity's status as HighLevel names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OpportunityStatus {
    Open,
    Won,
    Lost,
    Abandoned,
}

impl OpportunityStatus {
    /// The statuses as HighLevel spells them.
    pub const NAMES: &'static [&'static str] = &["open", "won", "lost", "abandoned"];

    /// Reads a status, ignoring case.
    pub fn parse(raw: &str) -> Option<OpportunityStatus> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "open" => Some(OpportunityStatus::Open),
            "won" => Some(OpportunityStatus::Won),
            "lost" => Some(OpportunityStatus::Lost),
            "abandoned" => Some(OpportunityStatus::Abandoned),
            _ => None,
        }
    }
}

/// One action for HighLevel, as queued (and stored as the outbound event's payload).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "action",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum OutboundAction {
    /// A note on the contact.
    AddNote { contact_id: String, body: String },
    /// A task on the contact.
    CreateTask {
        contact_id: String,
        title: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<String>,
        due_date: DateTime<Utc>,
    },
    /// A message to the contact.
    SendMessage {
        contact_id: String,
        channel: MessageChannel,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        subject: Option<String>,
    },
    /// An opportunity's status.
    SetOpportunityStatus {
        opportunity_id: String,
        status: OpportunityStatus,
    },
}

/// The stored payload of an outbound event: the action, and the item message it delivers
/// (if it came from one), whose status follows the delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboundPayload {
    #[serde(flatten)]
    pub action: OutboundAction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<Uuid>,
}

/// The HTTP method of an API call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiMethod {
    Post,
    Put,
}

/// One API call, relative to the configured base.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiRequest {
    pub method: ApiMethod,
    /// Path segments, each percent-encoded by the client.
    pub segments: Vec<String>,
    pub version: &'static str,
    pub body: Value,
}

impl OutboundAction {
    /// The event type the outbound queue shows for this action.
    pub fn event_type(&self) -> &'static str {
        match self {
            OutboundAction::AddNote { .. } => "addNote",
            OutboundAction::CreateTask { .. } => "createTask",
            OutboundAction::SendMessage { .. } => "sendMessage",
            OutboundAction::SetOpportunityStatus { .. } => "setOpportunityStatus",
        }
    }

    /// The HighLevel id the action is about (contact or opportunity).
    pub fn external_id(&self) -> &str {
        match self {
            OutboundAction::AddNote { contact_id, .. }
            | OutboundAction::CreateTask { contact_id, .. }
            | OutboundAction::SendMessage { contact_id, .. } => contact_id,
            OutboundAction::SetOpportunityStatus { opportunity_id, .. } => opportunity_id,
        }
    }

    /// The API call that performs the action.
    pub fn request(&self) -> ApiRequest {
        let segments = |parts: &[&str]| parts.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        match self {
            OutboundAction::AddNote { contact_id, body } => ApiRequest {
                method: ApiMethod::Post,
                segments: segments(&["contacts", contact_id, "notes"]),
                version: VERSION_CONTACTS,
                body: json!({"body": body}),
            },
            OutboundAction::CreateTask {
                contact_id,
                title,
                body,
                due_date,
            } => {
                let mut task = json!({"title": title, "dueDate": due_date.to_rfc3339_opts(chrono::SecondsFormat::Secs, true), "completed": false});
                if let Some(body) = body {
                    task["body"] = json!(body);
                }
                ApiRequest {
                    method: ApiMethod::Post,
                    segments: segments(&["contacts", contact_id, "tasks"]),
                    version: VERSION_CONTACTS,
                    body: task,
                }
            }
            OutboundAction::SendMessage {
                contact_id,
                channel,
                message,
                subject,
            } => {
                let body = match channel {
                    MessageChannel::Sms => {
                        json!({"type": "SMS", "contactId": contact_id, "message": message})
                    }
                    MessageChannel::Email => json!({
                        "type": "Email", "contactId": contact_id, "message": message,
                        "html": crate::domain::markdown::render(message),
                        "subject": subject.clone().unwrap_or_default(),
                    }),
                };
                ApiRequest {
                    method: ApiMethod::Post,
                    segments: segments(&["conversations", "messages"]),
                    version: VERSION_CONVERSATIONS,
                    body,
                }
            }
            OutboundAction::SetOpportunityStatus {
                opportunity_id,
                status,
            } => ApiRequest {
                method: ApiMethod::Put,
                segments: segments(&["opportunities", opportunity_id, "status"]),
                version: VERSION_CONTACTS,
                body: json!({"status": status}),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_action_maps_to_its_documented_call() {
        let note = OutboundAction::AddNote {
            contact_id: "c1".into(),
            body: "Called".into(),
        };
        let request = note.request();
        assert_eq!(request.method, ApiMethod::Post);
        assert_eq!(request.segments, ["contacts", "c1", "notes"]);
        assert_eq!(request.version, "2021-07-28");
        assert_eq!(request.body, json!({"body": "Called"}));

        let sms = OutboundAction::SendMessage {
            contact_id: "c1".into(),
            channel: MessageChannel::Sms,
            message: "Hi".into(),
            subject: None,
        };
        assert_eq!(sms.request().version, "2021-04-15");
        assert_eq!(
            sms.request().body,
            json!({"type": "SMS", "contactId": "c1", "message": "Hi"})
        );

        let status = OutboundAction::SetOpportunityStatus {
            opportunity_id: "o1".into(),
            status: OpportunityStatus::Won,
        };
        assert_eq!(status.request().method, ApiMethod::Put);
        assert_eq!(status.request().segments, ["opportunities", "o1", "status"]);
        assert_eq!(status.request().body, json!({"status": "won"}));
    }

    #[test]
    fn the_stored_payload_round_trips() {
        let payload = OutboundPayload {
            action: OutboundAction::CreateTask {
                contact_id: "c1".into(),
                title: "Call back".into(),
                body: None,
                due_date: "2025-01-02T03:04:05Z".parse().unwrap(),
            },
            message_id: None,
        };
        let stored = serde_json::to_value(&payload).unwrap();
        assert_eq!(stored["action"], "createTask");
        assert_eq!(stored["contactId"], "c1");
        assert_eq!(
            serde_json::from_value::<OutboundPayload>(stored).unwrap(),
            payload
        );
    }
}
