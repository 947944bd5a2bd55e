//! Templates (docs/PRODUCT.md §6): the blueprints items and cadences are made from. Everyone reads
//! them; admins create, change and delete them. Every change is audited in its transaction.
//! Making an item from a template lives with work items (`work_items::create`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set, SqlErr,
};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    ServiceError,
    audit::{self, Actor, AuditEntry},
};
use crate::{
    db::{
        Db,
        entities::{cadence, template, template_subtask, user},
        time,
    },
    domain::{
        ids::{TemplateId, new_uuid},
        work_item::{DeliverableType, ItemType, Priority},
        work_item_rules::ChecklistItem,
    },
};

mod input;

use crate::domain::audit_action::AuditAction;
use input::{Parsed, parse};
pub use input::{TemplateInput, TemplateSubtaskInput};

/// A subtask that items made from the template get, due `dueOffsetDays` from the item's due
/// date (negative: before it).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TemplateSubtaskView {
    pub id: Uuid,
    pub title: String,
    pub due_offset_days: i32,
    pub position: i32,
}

/// A template as the API returns it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TemplateView {
    pub id: Uuid,
    pub name: String,
    #[serde(rename = "type")]
    pub item_type: ItemType,
    pub deliverable_type: Option<DeliverableType>,
    pub priority: Priority,
    pub tags: Vec<String>,
    pub needs_proofing: bool,
    pub qc_checklist: Vec<ChecklistItem>,
    pub default_owner_id: Option<Uuid>,
    pub duration_days: i32,
    pub description: String,
    pub subtasks: Vec<TemplateSubtaskView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TemplateView {
    fn new(model: template::Model, subtasks: Vec<template_subtask::Model>) -> TemplateView {
        TemplateView {
            id: model.id,
            name: model.name,
            item_type: model.item_type,
            deliverable_type: model.deliverable_type,
            priority: model.priority,
            tags: serde_json::from_value(model.tags).unwrap_or_default(),
            needs_proofing: model.needs_proofing,
            qc_checklist: serde_json::from_value(model.qc_checklist).unwrap_or_default(),
            default_owner_id: model.default_owner_id,
            duration_days: model.duration_days,
            description: model.description,
            subtasks: subtasks
                .into_iter()
                .map(|step| TemplateSubtaskView {
                    id: step.id,
                    title: step.title,
                    due_offset_days: step.due_offset_days,
                    position: step.position,
                })
                .collect(),
            created_at: model.created_at,
            updated_at: model.updated_at,
        }
    }

    /// The audited fields (everything but ids and timestamps), keyed by their JSON names.
    fn audit_fields(&self) -> serde_json::Map<String, Value> {
        let mut fields = match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        };
        for key in ["id", "createdAt", "updatedAt"] {
            fields.remove(key);
        }
        if let Some(Value::Array(steps)) = fields.get_mut("subtasks") {
            for step in steps {
                if let Value::Object(step) = step {
                    step.remove("id");
                }
            }
        }
        fields
    }
}

async fn subtasks_of(
    conn: &impl ConnectionTrait,
    ids: Vec<Uuid>,
) -> Result<HashMap<Uuid, Vec<template_subtask::Model>>, ServiceError> {
    let mut by_template: HashMap<Uuid, Vec<template_subtask::Model>> = HashMap::new();
    if ids.is_empty() {
        return Ok(by_template);
    }
    let steps = template_subtask::Entity::find()
        .filter(template_subtask::Column::TemplateId.is_in(ids))
        .order_by_asc(template_subtask::Column::Position)
        .order_by_asc(template_subtask::Column::Id)
        .all(conn)
        .await?;
    for step in steps {
        by_template.entry(step.template_id).or_default().push(step);
    }
    Ok(by_template)
}

/// Every template by name, each with its subtasks (two queries, however many templates).
pub async fn list(db: &Db) -> Result<Vec<TemplateView>, ServiceError> {
    let templates = template::Entity::find()
        .order_by_asc(template::Column::Name)
        .order_by_asc(template::Column::Id)
        .all(db.conn())
        .await?;
    let mut steps = subtasks_of(db.conn(), templates.iter().map(|t| t.id).collect()).await?;
    Ok(templates
        .into_iter()
        .map(|t| {
            let own = steps.remove(&t.id).unwrap_or_default();
            TemplateView::new(t, own)
        })
        .collect())
}

async fn load(conn: &impl ConnectionTrait, id: Uuid) -> Result<TemplateView, ServiceError> {
    let model = template::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let steps = subtasks_of(conn, vec![id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    Ok(TemplateView::new(model, steps))
}

/// One template with its subtasks.
pub async fn get(db: &Db, id: TemplateId) -> Result<TemplateView, ServiceError> {
    load(db.conn(), id.0).await
}

/// Replaces the template's subtasks with `steps`, in order.
async fn replace_subtasks(
    conn: &impl ConnectionTrait,
    template_id: Uuid,
    steps: &[(String, i32)],
) -> Result<(), ServiceError> {
    template_subtask::Entity::delete_many()
        .filter(template_subtask::Column::TemplateId.eq(template_id))
        .exec(conn)
        .await?;
    for (position, (title, offset)) in steps.iter().enumerate() {
        template_subtask::ActiveModel {
            id: Set(new_uuid()),
            template_id: Set(template_id),
            title: Set(title.clone()),
            due_offset_days: Set(*offset),
            position: Set(position as i32),
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// Writes the parsed fields that are present onto `model`.
fn apply(model: &mut template::ActiveModel, parsed: &Parsed) {
    if let Some(name) = &parsed.name {
        model.name = Set(name.clone());
    }
    if let Some(item_type) = parsed.item_type {
        model.item_type = Set(item_type);
    }
    if let Some(deliverable) = parsed.deliverable_type {
        model.deliverable_type = Set(deliverable);
    }
    if let Some(priority) = parsed.priority {
        model.priority = Set(priority);
    }
    if let Some(tags) = &parsed.tags {
        model.tags = Set(json!(tags));
    }
    if let Some(needs_proofing) = parsed.needs_proofing {
        model.needs_proofing = Set(needs_proofing);
    }
    if let Some(checklist) = &parsed.qc_checklist {
        model.qc_checklist = Set(json!(checklist));
    }
    if let Some(owner) = parsed.default_owner_id {
        model.default_owner_id = Set(owner);
    }
    if let Some(days) = parsed.duration_days {
        model.duration_days = Set(days);
    }
    if let Some(description) = &parsed.description {
        model.description = Set(description.clone());
    }
}

/// Creates a template (admins). `name` and `type` are required; the rest have defaults.
pub async fn create(
    db: &Db,
    actor: &Actor,
    input: TemplateInput,
) -> Result<TemplateView, ServiceError> {
    let parsed = parse(db.conn(), input, true).await?;
    let now = time::now();
    let id = TemplateId::new().0;
    let mut model = template::ActiveModel {
        id: Set(id),
        name: Set(String::new()),
        item_type: Set(ItemType::Task),
        deliverable_type: Set(None),
        priority: Set(Priority::Normal),
        tags: Set(json!([])),
        needs_proofing: Set(false),
        qc_checklist: Set(json!([])),
        default_owner_id: Set(None),
        duration_days: Set(0),
        description: Set(String::new()),
        created_at: Set(now),
        updated_at: Set(now),
    };
    apply(&mut model, &parsed);
    let txn = db.begin_write().await?;
    model.insert(&txn).await?;
    replace_subtasks(&txn, id, parsed.subtasks.as_deref().unwrap_or_default()).await?;
    let created = load(&txn, id).await?;
    audit::record(
        &txn,
        actor,
        AuditEntry {
            action: AuditAction::TemplateCreate,
            entity_type: "template",
            entity_id: Some(id),
            summary: Some(created.name.clone()),
            after: Some(Value::Object(created.audit_fields())),
            ..Default::default()
        },
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Changes the fields present in `input` (admins); `subtasks`, when given, replace all.
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: TemplateId,
    input: TemplateInput,
) -> Result<TemplateView, ServiceError> {
    // 404 before 422: there is nothing to validate changes against.
    let existing = template::Entity::find_by_id(id.0)
        .one(db.conn())
        .await?
        .ok_or(ServiceError::NotFound)?;
    let parsed = parse(db.conn(), input, false).await?;
    let txn = db.begin_write().await?;
    let before = load(&txn, existing.id).await?;
    let mut model: template::ActiveModel = existing.into();
    apply(&mut model, &parsed);
    model.updated_at = Set(time::now());
    model.update(&txn).await?;
    if let Some(steps) = &parsed.subtasks {
        replace_subtasks(&txn, id.0, steps).await?;
    }
    let after = load(&txn, id.0).await?;
    let (old, new) = (before.audit_fields(), after.audit_fields());
    let changed: Vec<&String> = new.keys().filter(|k| old.get(*k) != new.get(*k)).collect();
    if !changed.is_empty() {
        let pick = |fields: &serde_json::Map<String, Value>| {
            Value::Object(
                changed
                    .iter()
                    .map(|k| ((*k).clone(), fields[k.as_str()].clone()))
                    .collect(),
            )
        };
        audit::record(
            &txn,
            actor,
            AuditEntry {
                action: AuditAction::TemplateUpdate,
                entity_type: "template",
                entity_id: Some(id.0),
                summary: Some(after.name.clone()),
                before: Some(pick(&old)),
                after: Some(pick(&new)),
                ..Default::default()
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(after)
}

fn in_use(cadences: u64) -> ServiceError {
    ServiceError::Conflict(format!(
        "this template is used by {cadences} cadence(s); change or delete them first"
    ))
}

/// Deletes a template (admins) and its subtasks. Items made from it keep existing (their
/// `templateId` becomes null); a template a cadence uses cannot be deleted (409).
pub async fn delete(db: &Db, actor: &Actor, id: TemplateId) -> Result<(), ServiceError> {
    let txn = db.begin_write().await?;
    let before = load(&txn, id.0).await?;
    let cadences = cadence::Entity::find()
        .filter(cadence::Column::TemplateId.eq(id.0))
        .count(&txn)
        .await?;
    if cadences > 0 {
        return Err(in_use(cadences));
    }
    audit::record(
        &txn,
        actor,
        AuditEntry {
            action: AuditAction::TemplateDelete,
            entity_type: "template",
            entity_id: Some(id.0),
            summary: Some(before.name.clone()),
            before: Some(Value::Object(before.audit_fields())),
            ..Default::default()
        },
    )
    .await?;
    template::Entity::delete_by_id(id.0)
        .exec(&txn)
        .await
        .map_err(|error| match error.sql_err() {
            // A cadence created on another connection since the check (the FK is RESTRICT).
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => in_use(1),
            _ => error.into(),
        })?;
    txn.commit().await?;
    Ok(())
}

/// Whether `id` is an active person (a template's default owner must be).
async fn is_active_person(conn: &impl ConnectionTrait, id: Uuid) -> Result<bool, ServiceError> {
    Ok(user::Entity::find_by_id(id)
        .filter(user::Column::Active.eq(true))
        .count(conn)
        .await?
        > 0)
}
