//! The audit log: an append-only record of who changed what, written in the same
//! transaction as the change itself.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::Value;
use uuid::Uuid;

use super::ServiceError;
use crate::{
    db::{entities::audit_log, time},
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
#[derive(Debug, Clone, Default)]
pub struct AuditEntry {
    pub action: &'static str,
    pub entity_type: &'static str,
    pub entity_id: Option<Uuid>,
    pub work_item_id: Option<Uuid>,
    pub summary: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Appends `entry` on `conn` — pass the transaction that makes the change.
pub async fn record(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    entry: AuditEntry,
) -> Result<(), ServiceError> {
    audit_log::ActiveModel {
        id: Set(new_uuid()),
        actor_id: Set(actor.user_id.map(|id| id.0)),
        action: Set(entry.action.to_string()),
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
