//! Reading the audit log (docs/PRODUCT.md §8, admins): filter by actor, action, item and time, newest
//! first, with keyset pagination on `(created_at, id)` so a page costs the same however deep
//! it is, and each filter rides one of the `(…, created_at)` indexes.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Condition, ExprTrait},
};
use uuid::Uuid;

use super::ServiceError;
use crate::{
    db::{Db, entities::audit_log, time},
    domain::FieldErrors,
};

/// Entries per page when `limit` is not given.
pub const DEFAULT_LIMIT: u64 = 50;
/// The most entries one page may hold.
pub const MAX_LIMIT: u64 = 200;

/// Where the previous page ended: its last entry's time and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditCursor {
    pub created_at: DateTime<Utc>,
    pub id: Uuid,
}

impl AuditCursor {
    /// Opaque to clients: hex of `<RFC 3339 time>|<id>`.
    pub fn encode(&self) -> String {
        hex::encode(format!(
            "{}|{}",
            self.created_at
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            self.id
        ))
    }

    /// Reads a cursor given out by [`AuditCursor::encode`]; `None` for anything else.
    pub fn decode(raw: &str) -> Option<AuditCursor> {
        let text = String::from_utf8(hex::decode(raw).ok()?).ok()?;
        let (at, id) = text.split_once('|')?;
        Some(AuditCursor {
            created_at: time::truncate(DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc)),
            id: Uuid::parse_str(id).ok()?,
        })
    }
}

/// A checked audit query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditQuery {
    pub actor_id: Option<Uuid>,
    pub action: Option<String>,
    pub work_item_id: Option<Uuid>,
    /// Entries at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Entries before this instant.
    pub to: Option<DateTime<Utc>>,
    pub limit: u64,
    pub cursor: Option<AuditCursor>,
}

/// An audit entry as its readers get it (the API leaves the address out). The action is the
/// stored code: rows written by an older release may hold one this release does not know.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    pub id: Uuid,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<Uuid>,
    pub work_item_id: Option<Uuid>,
    pub summary: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<audit_log::Model> for AuditRecord {
    fn from(entry: audit_log::Model) -> Self {
        AuditRecord {
            id: entry.id,
            actor_id: entry.actor_id,
            action: entry.action,
            entity_type: entry.entity_type,
            entity_id: entry.entity_id,
            work_item_id: entry.work_item_id,
            summary: entry.summary,
            before: entry.before,
            after: entry.after,
            ip: entry.ip,
            request_id: entry.request_id,
            created_at: entry.created_at,
        }
    }
}

/// One page, newest first, and the cursor of the next (absent on the last page).
#[derive(Debug, Clone)]
pub struct AuditPage {
    pub entries: Vec<AuditRecord>,
    pub next_cursor: Option<String>,
}

fn uuid_param(errors: &mut FieldErrors, name: &str, raw: &str) -> Option<Uuid> {
    let parsed = Uuid::parse_str(raw).ok();
    if parsed.is_none() {
        errors.add(name, format!("{name} must be an id"));
    }
    parsed
}

fn time_param(errors: &mut FieldErrors, name: &str, raw: &str) -> Option<DateTime<Utc>> {
    let parsed = DateTime::parse_from_rfc3339(raw)
        .ok()
        .map(|at| time::truncate(at.with_timezone(&Utc)));
    if parsed.is_none() {
        errors.add(
            name,
            format!("{name} must be an RFC 3339 time such as 2026-03-01T17:00:00Z"),
        );
    }
    parsed
}

/// Parses the raw `(name, value)` pairs of the query string; every problem, unknown and
/// repeated parameters included, is reported under the parameter's name.
pub fn parse(pairs: &[(String, String)]) -> Result<AuditQuery, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut seen = HashSet::new();
    let mut query = AuditQuery {
        actor_id: None,
        action: None,
        work_item_id: None,
        from: None,
        to: None,
        limit: DEFAULT_LIMIT,
        cursor: None,
    };
    for (name, raw) in pairs {
        let raw = raw.trim();
        if !seen.insert(name.as_str()) {
            errors.add(name, format!("{name} may be given only once"));
            continue;
        }
        match name.as_str() {
            "actorId" => query.actor_id = uuid_param(&mut errors, name, raw),
            "workItemId" => query.work_item_id = uuid_param(&mut errors, name, raw),
            "action" if raw.is_empty() || raw.chars().count() > 100 => {
                errors.add(name, "action must be 1 to 100 characters");
            }
            "action" => query.action = Some(raw.to_string()),
            "from" => query.from = time_param(&mut errors, name, raw),
            "to" => query.to = time_param(&mut errors, name, raw),
            "limit" => match raw.parse::<u64>() {
                Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => query.limit = limit,
                _ => errors.add(
                    name,
                    format!("limit must be a number from 1 to {MAX_LIMIT}"),
                ),
            },
            "cursor" => match AuditCursor::decode(raw) {
                Some(cursor) => query.cursor = Some(cursor),
                None => errors.add(name, "cursor is not one this server gave out"),
            },
            other => errors.add(other, format!("unknown parameter `{other}`")),
        }
    }
    if let (Some(from), Some(to)) = (query.from, query.to)
        && to <= from
    {
        errors.add("to", "to must be after from");
    }
    errors.into_result().map(|()| query)
}

/// One page of entries matching `query`, newest first.
pub async fn list(db: &Db, query: &AuditQuery) -> Result<AuditPage, ServiceError> {
    let mut select = audit_log::Entity::find();
    if let Some(actor) = query.actor_id {
        select = select.filter(audit_log::Column::ActorId.eq(actor));
    }
    if let Some(action) = &query.action {
        select = select.filter(audit_log::Column::Action.eq(action.as_str()));
    }
    if let Some(item) = query.work_item_id {
        select = select.filter(audit_log::Column::WorkItemId.eq(item));
    }
    if let Some(from) = query.from {
        select = select.filter(audit_log::Column::CreatedAt.gte(from));
    }
    if let Some(to) = query.to {
        select = select.filter(audit_log::Column::CreatedAt.lt(to));
    }
    if let Some(cursor) = query.cursor {
        select = select.filter(
            Condition::any()
                .add(audit_log::Column::CreatedAt.lt(cursor.created_at))
                .add(
                    audit_log::Column::CreatedAt
                        .eq(cursor.created_at)
                        .and(audit_log::Column::Id.lt(cursor.id)),
                ),
        );
    }
    // One more than asked tells whether another page exists without counting.
    let mut entries = select
        .order_by_desc(audit_log::Column::CreatedAt)
        .order_by_desc(audit_log::Column::Id)
        .limit(query.limit + 1)
        .all(db.conn())
        .await?;
    let more = entries.len() as u64 > query.limit;
    entries.truncate(query.limit as usize);
    let next_cursor = more.then(|| entries.last()).flatten().map(|last| {
        AuditCursor {
            created_at: last.created_at,
            id: last.id,
        }
        .encode()
    });
    Ok(AuditPage {
        entries: entries.into_iter().map(AuditRecord::from).collect(),
        next_cursor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_cursor_survives_the_round_trip() {
        let cursor = AuditCursor {
            created_at: time::now(),
            id: Uuid::now_v7(),
        };
        assert_eq!(AuditCursor::decode(&cursor.encode()), Some(cursor));
        assert_eq!(AuditCursor::decode("zz"), None);
    }

    #[test]
    fn bad_parameters_are_named() {
        let problems = |list: &[(&str, &str)]| parse(&pairs(list)).unwrap_err().0;
        assert!(problems(&[("limit", "0")]).contains_key("limit"));
        assert!(problems(&[("limit", "201")]).contains_key("limit"));
        assert!(problems(&[("actorId", "bob")]).contains_key("actorId"));
        assert!(problems(&[("from", "yesterday")]).contains_key("from"));
        assert!(problems(&[("cursor", "abc")]).contains_key("cursor"));
        assert!(problems(&[("sort", "x")]).contains_key("sort"));
        let query = parse(&pairs(&[("limit", "200"), ("action", "template.create")])).unwrap();
        assert_eq!(query.limit, 200);
        assert_eq!(query.action.as_deref(), Some("template.create"));
    }
}
