//! An item's history in people's words: each audit entry becomes a sentence that names the
//! people involved and says what changed to what ("now waits on Priya Shah: Needs the final
//! proof"), with times in the reader's zone. No codes, ids or machine timestamps.

use std::{collections::HashMap, str::FromStr};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::Value;
use uuid::Uuid;

use super::present;
use crate::{
    db::entities::audit_log,
    domain::{
        audit_action::AuditAction,
        work_item::{DeliverableType, ItemType, Priority, ProofStatus, Status},
    },
};

/// Who is who, and the reader's zone.
pub struct Reader<'a> {
    pub names: &'a HashMap<Uuid, String>,
    pub tz: Tz,
}

impl Reader<'_> {
    fn person(&self, value: Option<&Value>) -> Option<String> {
        let id = value?.as_str()?.parse::<Uuid>().ok()?;
        Some(
            self.names
                .get(&id)
                .cloned()
                .unwrap_or_else(|| "someone no longer here".into()),
        )
    }

    fn time(&self, value: Option<&Value>) -> Option<String> {
        let at = value?.as_str()?.parse::<DateTime<Utc>>().ok()?;
        Some(present::local(at, self.tz))
    }
}

fn text(value: Option<&Value>) -> Option<String> {
    value?
        .as_str()
        .map(str::to_string)
        .filter(|t| !t.is_empty())
}

/// An enum code as its label ("IN_REVIEW" → "In review").
fn label<T: FromStr>(value: Option<&Value>, name: impl Fn(T) -> &'static str) -> Option<String> {
    value?
        .as_str()?
        .parse::<T>()
        .ok()
        .map(|v| name(v).to_string())
}

/// The sentence for one entry (without the actor's name, which the page shows in bold).
pub fn describe(entry: &audit_log::Model, reader: &Reader) -> String {
    let empty = Value::Null;
    let before = entry.before.as_ref().unwrap_or(&empty);
    let after = entry.after.as_ref().unwrap_or(&empty);
    let summary = entry.summary.clone().unwrap_or_default();
    let parts = match entry.action.parse::<AuditAction>() {
        Ok(AuditAction::WorkItemCreate) => vec!["created the item".to_string()],
        Ok(AuditAction::WorkItemDelete) => vec![format!("deleted “{summary}”")],
        Ok(AuditAction::WorkItemFields) => fields(before, after, reader),
        Ok(AuditAction::WorkItemStatus) => {
            let to = label(after.get("status"), Status::label).unwrap_or_default();
            match label(before.get("status"), Status::label) {
                Some(from) => vec![format!("moved it from {from} to {to}")],
                None => vec![format!("moved it to {to}")],
            }
        }
        Ok(AuditAction::WorkItemOwner) => vec![match reader.person(after.get("ownerId")) {
            Some(owner) => format!("gave it to {owner}"),
            None => "left it without an owner".to_string(),
        }],
        Ok(AuditAction::WorkItemDue) => vec![match reader.time(after.get("dueAt")) {
            Some(due) => format!("set the due date to {due}"),
            None => "removed the due date".to_string(),
        }],
        Ok(AuditAction::WorkItemWaiting) => vec![waiting(before, after, reader)],
        Ok(AuditAction::WorkItemQc) => proofing(before, after, reader),
        Ok(AuditAction::SubtaskCreate) => vec![format!("added the subtask “{summary}”")],
        Ok(AuditAction::SubtaskDelete) => vec![format!("deleted the subtask “{summary}”")],
        Ok(AuditAction::SubtaskUpdate) => vec![match (
            before.get("done").and_then(Value::as_bool),
            after.get("done").and_then(Value::as_bool),
        ) {
            (Some(false), Some(true)) => format!("ticked off the subtask “{summary}”"),
            (Some(true), Some(false)) => format!("reopened the subtask “{summary}”"),
            _ => format!("changed the subtask “{summary}”"),
        }],
        Ok(AuditAction::CommentCreate) => vec!["commented".to_string()],
        Ok(AuditAction::CommentUpdate) => vec!["edited a comment".to_string()],
        Ok(AuditAction::CommentDelete) => vec!["deleted a comment".to_string()],
        Ok(AuditAction::MessageCreate) => vec!["logged a client message".to_string()],
        _ => vec!["changed the item".to_string()],
    };
    if parts.is_empty() {
        "saved without a visible change".to_string()
    } else {
        parts.join("; ")
    }
}

fn changed<'a>(before: &'a Value, after: &'a Value, key: &str) -> Option<Option<&'a Value>> {
    let (old, new) = (before.get(key), after.get(key));
    (old != new).then_some(new.filter(|v| !v.is_null()))
}

fn fields(before: &Value, after: &Value, reader: &Reader) -> Vec<String> {
    let mut parts = Vec::new();
    if let Some(Some(title)) = changed(before, after, "title") {
        parts.push(format!(
            "renamed it “{}”",
            title.as_str().unwrap_or_default()
        ));
    }
    if let Some(new) = changed(before, after, "priority") {
        let to = label(new, Priority::label).unwrap_or_default();
        parts.push(format!("set the priority to {to}"));
    }
    if let Some(new) = changed(before, after, "type") {
        let to = label(new, ItemType::label).unwrap_or_default();
        parts.push(format!("made it a {}", to.to_lowercase()));
    }
    if let Some(new) = changed(before, after, "startAt") {
        parts.push(match reader.time(new) {
            Some(start) => format!("set the start to {start}"),
            None => "removed the start".to_string(),
        });
    }
    if let Some(new) = changed(before, after, "deliverableType") {
        parts.push(match label(new, DeliverableType::label) {
            Some(kind) => format!("set the deliverable to {}", kind.to_lowercase()),
            None => "removed the deliverable".to_string(),
        });
    }
    if let Some(new) = changed(before, after, "client") {
        parts.push(match text(new) {
            Some(client) => format!("set the client to {client}"),
            None => "removed the client".to_string(),
        });
    }
    if changed(before, after, "description").is_some() {
        parts.push("edited the description".to_string());
    }
    if let Some(new) = changed(before, after, "tags") {
        let tags: Vec<&str> = new
            .and_then(Value::as_array)
            .map(|tags| tags.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        parts.push(if tags.is_empty() {
            "removed the tags".to_string()
        } else {
            format!("set the tags to {}", tags.join(", "))
        });
    }
    parts
}

fn waiting(before: &Value, after: &Value, reader: &Reader) -> String {
    let reason = text(after.get("waitingReason"));
    match reader.person(after.get("waitingOnUserId")) {
        Some(who) => match reason {
            Some(reason) => format!("now waits on {who}: {reason}"),
            None => format!("now waits on {who}"),
        },
        None => match reader.person(before.get("waitingOnUserId")) {
            Some(who) => format!("stopped waiting on {who}"),
            None => "stopped waiting".to_string(),
        },
    }
}

fn proofing(before: &Value, after: &Value, reader: &Reader) -> Vec<String> {
    let mut parts = Vec::new();
    if let Some(new) = changed(before, after, "needsProofing")
        && new.and_then(Value::as_bool) == Some(false)
    {
        parts.push("said it needs no proofing".to_string());
    }
    if let Some(new) = changed(before, after, "proofStatus") {
        let decided = changed(before, after, "proofedAt").is_some();
        match new.and_then(Value::as_str).map(ProofStatus::from_str) {
            Some(Ok(ProofStatus::Approved)) => parts.push("approved the proof".to_string()),
            Some(Ok(ProofStatus::ChangesRequested)) => {
                parts.push("asked for changes in proofing".to_string())
            }
            Some(Ok(ProofStatus::Pending)) if !decided => {
                parts.push("asked for proofing".to_string())
            }
            _ => {}
        }
    }
    if let Some(new) = changed(before, after, "prooferId") {
        parts.push(match reader.person(new) {
            Some(who) => format!("asked {who} to proof it"),
            None => "let anyone who proofs decide".to_string(),
        });
    }
    if let Some(new) = changed(before, after, "tbpGraphicsLocation") {
        parts.push(match text(new) {
            Some(place) => format!("set the graphics location to {place}"),
            None => "removed the graphics location".to_string(),
        });
    }
    if changed(before, after, "qcNotes").is_some() {
        parts.push("edited the QC notes".to_string());
    }
    if let Some(new) = changed(before, after, "qcChecklist") {
        parts.extend(checklist(before.get("qcChecklist"), new));
    }
    parts
}

fn checklist(before: Option<&Value>, after: Option<&Value>) -> Vec<String> {
    let entries = |list: Option<&Value>| -> Vec<(String, bool)> {
        list.and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .map(|e| {
                        (
                            text(e.get("label")).unwrap_or_default(),
                            e.get("checked").and_then(Value::as_bool).unwrap_or(false),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let (old, new) = (entries(before), entries(after));
    let mut parts = Vec::new();
    for (label, checked) in &new {
        match old.iter().find(|(l, _)| l == label) {
            None => parts.push(format!("added “{label}” to the checklist")),
            Some((_, was)) if was != checked => parts.push(if *checked {
                format!("ticked “{label}”")
            } else {
                format!("unticked “{label}”")
            }),
            _ => {}
        }
    }
    for (label, _) in &old {
        if !new.iter().any(|(l, _)| l == label) {
            parts.push(format!("removed “{label}” from the checklist"));
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(action: &str, before: Value, after: Value) -> audit_log::Model {
        audit_log::Model {
            id: Uuid::nil(),
            actor_id: None,
            action: action.into(),
            entity_type: "work_item".into(),
            entity_id: None,
            work_item_id: None,
            summary: Some("Brochure".into()),
            before: Some(before),
            after: Some(after),
            ip: None,
            request_id: None,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn waiting_names_the_person_and_the_reason() {
        let priya = Uuid::from_u128(7);
        let names = HashMap::from([(priya, "Priya Shah".to_string())]);
        let reader = Reader {
            names: &names,
            tz: chrono_tz::UTC,
        };
        let text = describe(
            &entry(
                "work_item.waiting",
                json!({"waitingOnUserId": null}),
                json!({"waitingOnUserId": priya.to_string(), "waitingReason": "Needs the final proof"}),
            ),
            &reader,
        );
        assert_eq!(text, "now waits on Priya Shah: Needs the final proof");
    }

    #[test]
    fn fields_say_what_changed_in_words() {
        let names = HashMap::new();
        let reader = Reader {
            names: &names,
            tz: chrono_tz::America::New_York,
        };
        let text = describe(
            &entry(
                "work_item.fields",
                json!({"title": "A", "priority": "LOW", "startAt": null}),
                json!({"title": "B", "priority": "HIGH", "startAt": "2026-12-08T14:00:00Z"}),
            ),
            &reader,
        );
        assert_eq!(
            text,
            "renamed it “B”; set the priority to High; set the start to Tue 8 Dec 2026, 09:00"
        );
    }
}
