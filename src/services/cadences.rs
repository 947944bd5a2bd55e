//! Cadences (docs/PRODUCT.md §6): recurring series that create work items from a template. Everyone
//! reads them; admins create, change, pause and delete them. Every change is audited in its
//! transaction. Expanding the rule is pure (`domain::recurrence`); creating the items lives in
//! `generate.rs`.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, SqlErr,
};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::{
    ServiceError,
    audit::{self, Actor, AuditEntry},
};
use crate::{
    db::{
        Db,
        entities::{cadence, work_item},
        time,
    },
    domain::{
        ids::new_uuid,
        recurrence::{self, DueTime, RecurrenceRule, Schedule},
    },
};

mod generate;
mod input;

use crate::domain::audit_action::AuditAction;
pub use generate::{GenerationReport, generate};
pub use input::{CadenceInput, parse_preview_params};
use input::{DEFAULT_LEAD_DAYS, parse};

/// The most occurrences one preview lists.
pub const MAX_PREVIEW: u16 = 100;
/// How many occurrences a preview lists when not told.
pub const DEFAULT_PREVIEW: u16 = 10;

/// A cadence as the API returns it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CadenceView {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub template_id: Uuid,
    pub owner_id: Option<Uuid>,
    pub rrule: String,
    /// `HH:MM` in `OPS_TIMEZONE`.
    pub due_time: String,
    pub lead_days: i32,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<cadence::Model> for CadenceView {
    fn from(model: cadence::Model) -> Self {
        CadenceView {
            id: model.id,
            name: model.name,
            slug: model.slug,
            template_id: model.template_id,
            owner_id: model.owner_id,
            rrule: model.rrule,
            due_time: model.due_time,
            lead_days: model.lead_days,
            active: model.active,
            created_at: model.created_at,
            updated_at: model.updated_at,
        }
    }
}

impl CadenceView {
    /// The audited fields, keyed by their JSON names.
    fn audit_fields(&self) -> serde_json::Value {
        json!({
            "name": self.name, "slug": self.slug, "templateId": self.template_id,
            "ownerId": self.owner_id, "rrule": self.rrule, "dueTime": self.due_time,
            "leadDays": self.lead_days, "active": self.active,
        })
    }
}

/// One upcoming occurrence: its local date, when it is due, its key, and whether its item
/// already exists.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OccurrenceView {
    pub date: NaiveDate,
    pub due_at: DateTime<Utc>,
    pub cadence_key: String,
    pub created: bool,
}

/// `GET /api/cadences/{id}/preview`: the next occurrences, in `timezone`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PreviewView {
    pub cadence_id: Uuid,
    pub timezone: String,
    pub occurrences: Vec<OccurrenceView>,
}

/// The stored rule and due time, read back. They were checked when written; a row that no
/// longer parses (edited by hand) is an internal error, not something to guess around.
pub(crate) fn schedule_parts(
    model: &cadence::Model,
    tz: Tz,
) -> Result<(RecurrenceRule, DueTime, NaiveDate), ServiceError> {
    let created_on = model.created_at.with_timezone(&tz).date_naive();
    let broken = |what: &str, error: crate::domain::ValidationError| {
        ServiceError::Internal(anyhow::anyhow!(
            "cadence {} has an unusable {what}: {error}",
            model.slug
        ))
    };
    let rule = RecurrenceRule::parse(&model.rrule, created_on).map_err(|e| broken("rrule", e))?;
    let due = DueTime::parse(&model.due_time).map_err(|e| broken("due time", e))?;
    Ok((rule, due, created_on))
}

async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<cadence::Model, ServiceError> {
    cadence::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// Every cadence by name.
pub async fn list(db: &Db) -> Result<Vec<CadenceView>, ServiceError> {
    Ok(cadence::Entity::find()
        .order_by_asc(cadence::Column::Name)
        .order_by_asc(cadence::Column::Id)
        .all(db.conn())
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// One cadence.
pub async fn get(db: &Db, id: Uuid) -> Result<CadenceView, ServiceError> {
    find(db.conn(), id).await.map(Into::into)
}

fn slug_taken(error: sea_orm::DbErr) -> ServiceError {
    match error.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            ServiceError::Conflict("a cadence with this slug already exists".into())
        }
        _ => error.into(),
    }
}

/// Creates a cadence (admins). Its series starts today in `tz` unless the rule says otherwise.
pub async fn create(
    db: &Db,
    actor: &Actor,
    tz: Tz,
    input: CadenceInput,
) -> Result<CadenceView, ServiceError> {
    let now = time::now();
    let today = now.with_timezone(&tz).date_naive();
    let parsed = parse(db.conn(), &input, today, true).await?;
    let (Some(name), Some(slug), Some(template_id), Some(rule), Some(due)) = (
        parsed.name,
        parsed.slug,
        parsed.template_id,
        parsed.rrule,
        parsed.due_time,
    ) else {
        unreachable!("required fields are checked by parse");
    };
    let txn = db.begin_write().await?;
    let model = cadence::ActiveModel {
        id: Set(new_uuid()),
        name: Set(name),
        slug: Set(slug),
        template_id: Set(template_id),
        owner_id: Set(parsed.owner_id.flatten()),
        rrule: Set(rule.as_str().to_string()),
        due_time: Set(due.to_string()),
        lead_days: Set(parsed.lead_days.unwrap_or(DEFAULT_LEAD_DAYS)),
        active: Set(parsed.active.unwrap_or(true)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(slug_taken)?;
    let view = CadenceView::from(model);
    audit::record(
        &txn,
        actor,
        AuditEntry {
            action: AuditAction::CadenceCreate,
            entity_type: "cadence",
            entity_id: Some(view.id),
            summary: Some(view.name.clone()),
            after: Some(view.audit_fields()),
            ..AuditEntry::default()
        },
    )
    .await?;
    txn.commit().await?;
    Ok(view)
}

/// Changes a cadence (admins): only the fields given. Items already created are left alone;
/// the next generation run uses the new settings for the occurrences still to come.
pub async fn update(
    db: &Db,
    actor: &Actor,
    tz: Tz,
    id: Uuid,
    input: CadenceInput,
) -> Result<CadenceView, ServiceError> {
    let current = find(db.conn(), id).await?;
    let created_on = current.created_at.with_timezone(&tz).date_naive();
    let parsed = parse(db.conn(), &input, created_on, false).await?;
    if parsed
        .slug
        .as_ref()
        .is_some_and(|slug| *slug != current.slug)
    {
        return Err(ServiceError::invalid(
            "slug",
            "slug cannot change: it is part of the cadenceKey of every item already created",
        ));
    }
    let before = CadenceView::from(current.clone());
    let mut model: cadence::ActiveModel = current.into();
    if let Some(name) = parsed.name {
        model.name = Set(name);
    }
    if let Some(template_id) = parsed.template_id {
        model.template_id = Set(template_id);
    }
    if let Some(owner) = parsed.owner_id {
        model.owner_id = Set(owner);
    }
    if let Some(rule) = parsed.rrule {
        model.rrule = Set(rule.as_str().to_string());
    }
    if let Some(due) = parsed.due_time {
        model.due_time = Set(due.to_string());
    }
    if let Some(lead) = parsed.lead_days {
        model.lead_days = Set(lead);
    }
    if let Some(active) = parsed.active {
        model.active = Set(active);
    }
    model.updated_at = Set(time::now());
    let txn = db.begin_write().await?;
    let after = CadenceView::from(model.update(&txn).await?);
    audit::record(
        &txn,
        actor,
        AuditEntry {
            action: AuditAction::CadenceUpdate,
            entity_type: "cadence",
            entity_id: Some(id),
            summary: Some(after.name.clone()),
            before: Some(before.audit_fields()),
            after: Some(after.audit_fields()),
            ..AuditEntry::default()
        },
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// Deletes a cadence (admins). The items it created stay, with their `cadenceKey`.
pub async fn delete(db: &Db, actor: &Actor, id: Uuid) -> Result<(), ServiceError> {
    let txn = db.begin_write().await?;
    let current = find(&txn, id).await?;
    audit::record(
        &txn,
        actor,
        AuditEntry {
            action: AuditAction::CadenceDelete,
            entity_type: "cadence",
            entity_id: Some(id),
            summary: Some(current.name.clone()),
            before: Some(CadenceView::from(current).audit_fields()),
            ..AuditEntry::default()
        },
    )
    .await?;
    cadence::Entity::delete_by_id(id).exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// A cadence's next occurrence due at or after `now` (none when its series has ended).
pub fn next_occurrence(
    cadence: &CadenceView,
    tz: Tz,
    now: DateTime<Utc>,
) -> Option<recurrence::Occurrence> {
    let created_on = cadence.created_at.with_timezone(&tz).date_naive();
    let rule = RecurrenceRule::parse(&cadence.rrule, created_on).ok()?;
    let due = DueTime::parse(&cadence.due_time).ok()?;
    let schedule = Schedule {
        rule: &rule,
        due,
        created_on,
        tz,
    };
    schedule.upcoming(now, 1).into_iter().next()
}

/// The cadence keys among `keys` whose items exist (one query).
pub(crate) async fn existing_keys(
    conn: &impl ConnectionTrait,
    keys: Vec<String>,
) -> Result<Vec<String>, ServiceError> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    Ok(work_item::Entity::find()
        .select_only()
        .column(work_item::Column::CadenceKey)
        .filter(work_item::Column::CadenceKey.is_in(keys))
        .into_tuple::<Option<String>>()
        .all(conn)
        .await?
        .into_iter()
        .flatten()
        .collect())
}

/// The next `count` occurrences of a cadence due at or after `from`, in `tz`, each marked with
/// whether its item was already created. A paused cadence previews what it would create.
pub async fn preview(
    db: &Db,
    tz: Tz,
    id: Uuid,
    count: u16,
    from: DateTime<Utc>,
) -> Result<PreviewView, ServiceError> {
    let model = find(db.conn(), id).await?;
    let (rule, due, created_on) = schedule_parts(&model, tz)?;
    let schedule = Schedule {
        rule: &rule,
        due,
        created_on,
        tz,
    };
    let upcoming = schedule.upcoming(from, count.clamp(1, MAX_PREVIEW));
    let keys: Vec<String> = upcoming
        .iter()
        .map(|o| recurrence::cadence_key(&model.slug, o.date))
        .collect();
    let existing = existing_keys(db.conn(), keys.clone()).await?;
    Ok(PreviewView {
        cadence_id: model.id,
        timezone: tz.name().to_string(),
        occurrences: upcoming
            .into_iter()
            .zip(keys)
            .map(|(occurrence, key)| OccurrenceView {
                date: occurrence.date,
                due_at: occurrence.due_at,
                created: existing.contains(&key),
                cadence_key: key,
            })
            .collect(),
    })
}
