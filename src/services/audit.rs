//! The audit log: an append-only record of who changed what, written in the same
//! transaction as the change itself.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::Value;
use uuid::Uuid;

use super::{ServiceError, rate_limits};
use crate::domain::audit_action::AuditAction;
use crate::{
    db::{Db, entities::audit_log, time},
    domain::ids::{UserId, new_uuid},
};

/// Who acted, from where: attached to every audit entry.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: Option<UserId>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

impl Actor {
    /// The system itself (jobs, commands).
    pub fn system() -> Actor {
        Actor::default()
    }
}

/// One thing that happened.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub action: AuditAction,
    pub entity_type: &'static str,
    pub entity_id: Option<Uuid>,
    pub work_item_id: Option<Uuid>,
    pub summary: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Only so callers can write `..AuditEntry::default()` for the fields they leave empty: every
/// caller names its action, so this one is always replaced.
impl Default for AuditEntry {
    fn default() -> Self {
        AuditEntry {
            action: AuditAction::AccessDenied,
            entity_type: "",
            entity_id: None,
            work_item_id: None,
            summary: None,
            before: None,
            after: None,
        }
    }
}

/// The longest summary kept, in characters; longer ones are cut and marked.
pub const MAX_SUMMARY_CHARS: usize = 500;
/// The largest `before`/`after` value kept, in bytes of JSON (room for a whole item with a
/// description at its 50,000-character limit); a larger one is replaced by a note.
pub const MAX_CHANGE_JSON_BYTES: usize = 256 * 1024;
/// Addresses and request ids are short; anything longer is cut.
const MAX_SHORT_TEXT_CHARS: usize = 64;

/// Appends `entry` on `conn` — pass the transaction that makes the change. Every text is
/// capped here, whoever the caller, so no request can make an audit row large.
pub async fn record(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    entry: AuditEntry,
) -> Result<(), ServiceError> {
    let entry = AuditEntry {
        summary: entry.summary.map(|text| cap_text(&text, MAX_SUMMARY_CHARS)),
        before: entry.before.map(cap_json),
        after: entry.after.map(cap_json),
        ..entry
    };
    let actor = Actor {
        user_id: actor.user_id,
        ip: actor
            .ip
            .as_deref()
            .map(|t| cap_text(t, MAX_SHORT_TEXT_CHARS)),
        request_id: actor
            .request_id
            .as_deref()
            .map(|t| cap_text(t, MAX_SHORT_TEXT_CHARS)),
    };
    audit_log::ActiveModel {
        id: Set(new_uuid()),
        actor_id: Set(actor.user_id.map(|id| id.0)),
        action: Set(entry.action.as_str().to_string()),
        entity_type: Set(entry.entity_type.to_string()),
        entity_id: Set(entry.entity_id),
        work_item_id: Set(entry.work_item_id),
        summary: Set(entry.summary),
        before: Set(entry.before),
        after: Set(entry.after),
        ip: Set(actor.ip.clone()),
        request_id: Set(actor.request_id.clone()),
        created_at: Set(time::now()),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// `text`, cut to `max` characters (with an ellipsis) when longer.
pub fn cap_text(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}…", &text[..cut]),
    }
}

fn cap_json(value: Value) -> Value {
    let size = serde_json::to_vec(&value)
        .map(|bytes| bytes.len())
        .unwrap_or(usize::MAX);
    if size <= MAX_CHANGE_JSON_BYTES {
        value
    } else {
        serde_json::json!({ "omitted": format!("{size} bytes, over the audit log's limit") })
    }
}

/// Records a refused request (403 and the like) — at most once per person, or per address
/// when nobody is signed in, per minute, so refusals cannot fill the log.
pub async fn record_refusal(db: &Db, actor: &Actor, what: &str) -> Result<(), ServiceError> {
    let who = match (actor.user_id, actor.ip.as_deref()) {
        (Some(user), _) => format!("user:{user}"),
        (None, Some(ip)) => format!("address:{ip}"),
        (None, None) => "unknown".to_string(),
    };
    if !rate_limits::first_in_window(db, &format!("audit:refused:{who}")).await? {
        return Ok(());
    }
    record(
        db.conn(),
        actor,
        AuditEntry {
            action: AuditAction::AccessDenied,
            entity_type: "request",
            summary: Some(format!(
                "refused {what} (further refusals within the minute are not recorded)"
            )),
            ..AuditEntry::default()
        },
    )
    .await
}

/// The newest entries with the given action (tests and the security views use this).
pub async fn recent_by_action(
    conn: &impl ConnectionTrait,
    action: &str,
    limit: u64,
) -> Result<Vec<audit_log::Model>, ServiceError> {
    Ok(audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .order_by_desc(audit_log::Column::CreatedAt)
        .limit(limit)
        .all(conn)
        .await?)
}
