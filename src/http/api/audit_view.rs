//! How an audit entry looks on the API.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::{db::entities::audit_log, services::audit_query::AuditRecord};

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditView {
    pub id: Uuid,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<Uuid>,
    pub work_item_id: Option<Uuid>,
    pub summary: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub request_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<audit_log::Model> for AuditView {
    fn from(entry: audit_log::Model) -> Self {
        AuditRecord::from(entry).into()
    }
}

impl From<AuditRecord> for AuditView {
    fn from(entry: AuditRecord) -> Self {
        AuditView {
            id: entry.id,
            actor_id: entry.actor_id,
            action: entry.action,
            entity_type: entry.entity_type,
            entity_id: entry.entity_id,
            work_item_id: entry.work_item_id,
            summary: entry.summary,
            before: entry.before,
            after: entry.after,
            request_id: entry.request_id,
            created_at: entry.created_at,
        }
    }
}
