//! The request body of `POST /api/ghl/events`, and turning it into an [`OutboundAction`] with
//! every problem named at once.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use crate::{
    domain::FieldErrors,
    integrations::ghl::outbound::{MessageChannel, OpportunityStatus, OutboundAction},
    services::{ServiceError, messages::MAX_MESSAGE_CHARS},
};

/// An action for HighLevel. `action` decides which other fields are required:
/// `addNote` (contactId, body), `createTask` (contactId, title, dueDate; body optional),
/// `sendMessage` (contactId, channel `SMS`|`Email`, message; subject for email) and
/// `setOpportunityStatus` (opportunityId, status `open`|`won`|`lost`|`abandoned`).
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GhlActionInput {
    /// What to do; the fields each action needs are listed above.
    #[schema(required = true, nullable = false, value_type = String, pattern = "^(addNote|createTask|sendMessage|setOpportunityStatus)$")]
    pub action: Option<String>,
    pub contact_id: Option<String>,
    pub opportunity_id: Option<String>,
    /// The note's text, or the task's description.
    pub body: Option<String>,
    /// The task's title.
    pub title: Option<String>,
    /// The task's due time (RFC 3339).
    #[schema(format = DateTime)]
    pub due_date: Option<String>,
    /// `SMS` or `Email`.
    pub channel: Option<String>,
    pub message: Option<String>,
    /// The email's subject.
    pub subject: Option<String>,
    /// The opportunity's new status.
    pub status: Option<String>,
    /// The item this is about, shown with the event.
    #[schema(format = Uuid)]
    pub work_item_id: Option<String>,
}

const ACTIONS: &[&str] = &[
    "addNote",
    "createTask",
    "sendMessage",
    "setOpportunityStatus",
];

/// The checked action and the item it concerns.
pub fn parse(input: GhlActionInput) -> Result<(OutboundAction, Option<Uuid>), ServiceError> {
    let mut errors = FieldErrors::default();
    let work_item_id = input.work_item_id.as_deref().and_then(|raw| {
        let parsed = Uuid::parse_str(raw.trim()).ok();
        if parsed.is_none() {
            errors.add("workItemId", "workItemId must be an id");
        }
        parsed
    });
    let action = match input.action.as_deref() {
        None => {
            errors.add(
                "action",
                format!("action is required: one of {}", ACTIONS.join(", ")),
            );
            None
        }
        Some("addNote") => {
            let contact_id = ghl_id(&mut errors, "contactId", input.contact_id.as_deref());
            let body = text(
                &mut errors,
                "body",
                input.body.as_deref(),
                MAX_MESSAGE_CHARS,
            );
            contact_id
                .zip(body)
                .map(|(contact_id, body)| OutboundAction::AddNote { contact_id, body })
        }
        Some("createTask") => {
            let contact_id = ghl_id(&mut errors, "contactId", input.contact_id.as_deref());
            let title = text(&mut errors, "title", input.title.as_deref(), 200);
            let body = input
                .body
                .as_deref()
                .and_then(|raw| text(&mut errors, "body", Some(raw), MAX_MESSAGE_CHARS));
            let due_date = due(&mut errors, input.due_date.as_deref());
            match (contact_id, title, due_date) {
                (Some(contact_id), Some(title), Some(due_date)) => {
                    Some(OutboundAction::CreateTask {
                        contact_id,
                        title,
                        body,
                        due_date,
                    })
                }
                _ => None,
            }
        }
        Some("sendMessage") => {
            let contact_id = ghl_id(&mut errors, "contactId", input.contact_id.as_deref());
            let channel = match input
                .channel
                .as_deref()
                .map(str::to_ascii_uppercase)
                .as_deref()
            {
                Some("SMS") => Some(MessageChannel::Sms),
                Some("EMAIL") => Some(MessageChannel::Email),
                _ => {
                    errors.add("channel", "channel must be SMS or Email");
                    None
                }
            };
            let message = text(
                &mut errors,
                "message",
                input.message.as_deref(),
                MAX_MESSAGE_CHARS,
            );
            let subject = match channel {
                Some(MessageChannel::Email) => {
                    text(&mut errors, "subject", input.subject.as_deref(), 200)
                }
                _ => None,
            };
            match (contact_id, channel, message) {
                (Some(contact_id), Some(channel), Some(message)) => {
                    Some(OutboundAction::SendMessage {
                        contact_id,
                        channel,
                        message,
                        subject,
                    })
                }
                _ => None,
            }
        }
        Some("setOpportunityStatus") => {
            let opportunity_id = ghl_id(
                &mut errors,
                "opportunityId",
                input.opportunity_id.as_deref(),
            );
            let status = input.status.as_deref().and_then(OpportunityStatus::parse);
            if status.is_none() {
                errors.add(
                    "status",
                    format!(
                        "status must be one of {}",
                        OpportunityStatus::NAMES.join(", ")
                    ),
                );
            }
            opportunity_id.zip(status).map(|(opportunity_id, status)| {
                OutboundAction::SetOpportunityStatus {
                    opportunity_id,
                    status,
                }
            })
        }
        Some(_) => {
            errors.add(
                "action",
                format!("action must be one of {}", ACTIONS.join(", ")),
            );
            None
        }
    };
    errors.into_result()?;
    Ok((
        action.expect("an action when there are no errors"),
        work_item_id,
    ))
}

/// A HighLevel id: letters, digits, `_` and `-` only, so it is a safe path segment.
fn ghl_id(errors: &mut FieldErrors, field: &str, raw: Option<&str>) -> Option<String> {
    let id = raw.map(str::trim).unwrap_or_default();
    let ok = (1..=100).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Some(id.to_string())
    } else {
        errors.add(
            field,
            format!("{field} is required: a HighLevel id (letters, digits, '_' and '-')"),
        );
        None
    }
}

fn text(errors: &mut FieldErrors, field: &str, raw: Option<&str>, max: usize) -> Option<String> {
    let value = raw.map(str::trim).unwrap_or_default();
    if (1..=max).contains(&value.chars().count()) {
        Some(value.to_string())
    } else {
        errors.add(field, format!("{field} is required: 1 to {max} characters"));
        None
    }
}

fn due(errors: &mut FieldErrors, raw: Option<&str>) -> Option<DateTime<Utc>> {
    let parsed = raw.and_then(|r| DateTime::parse_from_rfc3339(r.trim()).ok());
    if parsed.is_none() {
        errors.add(
            "dueDate",
            "dueDate is required: an RFC 3339 time such as 2026-03-01T17:00:00Z",
        );
    }
    parsed.map(|t| t.with_timezone(&Utc))
}
