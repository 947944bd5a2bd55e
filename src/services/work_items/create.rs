//! Creating a work item, blank or from a template, in one transaction with its tags,
//! checklist, subtasks, audit entry and notifications.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, SqlErr};
use serde_json::json;
use uuid::Uuid;

use super::{
    input::{NewWorkItem, enum_field, time_field, uuid_field},
    support::{
        audit_groups, check_people, rank_at_end, rank_at_top, replace_checklist, replace_tags,
    },
    view::WorkItemView,
};
use crate::domain::audit_action::AuditAction;
use crate::{
    db::{
        Db,
        entities::{subtask, template, template_subtask, work_item},
        time,
    },
    domain::{
        FieldErrors,
        ids::{WorkItemId, new_uuid},
        work_item::{DeliverableType, ItemType, Priority, ProofStatus, Status},
        work_item_rules::{self as rules, ChecklistItem},
    },
    services::{
        ServiceError,
        audit::{self, Actor, AuditEntry},
        notifications::{self, NotificationKind},
    },
};

/// A template with its subtasks.
struct TemplateParts {
    template: template::Model,
    subtasks: Vec<template_subtask::Model>,
}

/// Where a new item lands in its board column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Below every card (the API, forms, cadences).
    End,
    /// Above every card (a card added on the board, where people look first).
    Top,
}

/// Creates a work item at the end of its column. Every field is checked before anything is
/// written.
pub async fn create(
    db: &Db,
    actor: &Actor,
    input: NewWorkItem,
) -> Result<WorkItemView, ServiceError> {
    create_placed(db, actor, input, Placement::End).await
}

/// Creates a work item at `placement` in its column.
pub async fn create_placed(
    db: &Db,
    actor: &Actor,
    input: NewWorkItem,
    placement: Placement,
) -> Result<WorkItemView, ServiceError> {
    let mut errors = FieldErrors::default();
    let template_id = input
        .template_id
        .as_deref()
        .and_then(|raw| uuid_field(&mut errors, "templateId", raw));
    let template = match template_id {
        Some(id) => load_template(db, id).await?.or_else(|| {
            errors.add("templateId", "no template has this id");
            None
        }),
        None => None,
    };
    let from_template = template.as_ref().map(|t| &t.template);

    let title = match input.title.as_deref() {
        Some(raw) => errors.check("title", rules::parse_title(raw)),
        None if from_template.is_some() => from_template.map(|t| t.name.clone()),
        None => {
            errors.add("title", "title is required");
            None
        }
    };
    let description = match input.description.as_deref() {
        Some(raw) => errors.check(
            "description",
            rules::parse_bounded(raw, "description", rules::MAX_DESCRIPTION_CHARS),
        ),
        None => Some(
            from_template
                .map(|t| t.description.clone())
                .unwrap_or_default(),
        ),
    };
    let item_type = match input.item_type.as_deref() {
        Some(raw) => enum_field::<ItemType>(&mut errors, "type", raw),
        None => Some(from_template.map_or(ItemType::Task, |t| t.item_type)),
    };
    let status = match input.status.as_deref() {
        Some(raw) => enum_field::<Status>(&mut errors, "status", raw),
        None => Some(Status::Backlog),
    };
    let priority = match input.priority.as_deref() {
        Some(raw) => enum_field::<Priority>(&mut errors, "priority", raw),
        None => Some(from_template.map_or(Priority::Normal, |t| t.priority)),
    };
    let deliverable_type = match input.deliverable_type.as_deref() {
        Some(raw) => enum_field::<DeliverableType>(&mut errors, "deliverableType", raw).map(Some),
        None => Some(from_template.and_then(|t| t.deliverable_type)),
    };
    let owner_id = match input.owner_id.as_deref() {
        Some(raw) => uuid_field(&mut errors, "ownerId", raw),
        None => from_template.and_then(|t| t.default_owner_id),
    };
    let start_at = input
        .start_at
        .as_deref()
        .and_then(|raw| time_field(&mut errors, "startAt", raw));
    let due_at = match input.due_at.as_deref() {
        Some(raw) => time_field(&mut errors, "dueAt", raw),
        // A template's duration gives a due date when none is given.
        None => from_template.map(|t| {
            time::truncate(
                start_at.unwrap_or_else(time::now) + Duration::days(t.duration_days.into()),
            )
        }),
    };
    let tags = match &input.tags {
        Some(raw) => errors.check("tags", rules::parse_tags(raw)),
        None => Some(from_template.map(template_tags).unwrap_or_default()),
    };
    let client = errors.check(
        "client",
        rules::parse_optional_text(input.client.as_deref(), "client", rules::MAX_CLIENT_CHARS),
    );
    let waiting_on = input
        .waiting_on_user_id
        .as_deref()
        .and_then(|raw| uuid_field(&mut errors, "waitingOnUserId", raw));
    let waiting_reason = errors.check(
        "waitingReason",
        rules::parse_optional_text(
            input.waiting_reason.as_deref(),
            "waitingReason",
            rules::MAX_REASON_CHARS,
        ),
    );
    if waiting_on.is_some() != waiting_reason.as_ref().is_some_and(Option::is_some)
        && !errors.0.contains_key("waitingOnUserId")
    {
        errors.add(
            "waitingReason",
            "waitingOnUserId and waitingReason are set together",
        );
    }
    let needs_proofing = input
        .needs_proofing
        .unwrap_or(from_template.is_some_and(|t| t.needs_proofing));
    let proofer_id = input
        .proofer_id
        .as_deref()
        .and_then(|raw| uuid_field(&mut errors, "prooferId", raw));
    let graphics = errors.check(
        "tbpGraphicsLocation",
        rules::parse_optional_text(
            input.tbp_graphics_location.as_deref(),
            "tbpGraphicsLocation",
            rules::MAX_GRAPHICS_LOCATION_CHARS,
        ),
    );
    let checklist = match &input.qc_checklist {
        Some(raw) => errors.check("qcChecklist", rules::parse_checklist(raw)),
        None => Some(from_template.map(template_checklist).unwrap_or_default()),
    };
    let qc_notes = errors.check(
        "qcNotes",
        rules::parse_optional_text(
            input.qc_notes.as_deref(),
            "qcNotes",
            rules::MAX_DESCRIPTION_CHARS,
        ),
    );
    let ghl_contact_id = errors.check(
        "ghlContactId",
        rules::parse_optional_text(
            input.ghl_contact_id.as_deref(),
            "ghlContactId",
            rules::MAX_GHL_ID_CHARS,
        ),
    );
    let ghl_opportunity_id = errors.check(
        "ghlOpportunityId",
        rules::parse_optional_text(
            input.ghl_opportunity_id.as_deref(),
            "ghlOpportunityId",
            rules::MAX_GHL_ID_CHARS,
        ),
    );
    let cadence_key = errors.check(
        "cadenceKey",
        rules::parse_optional_text(input.cadence_key.as_deref(), "cadenceKey", 200),
    );
    if let Some(item_type) = item_type {
        for (field, problem) in rules::check_dates(item_type, start_at, due_at) {
            errors.add(field, problem);
        }
    }
    check_people(
        db.conn(),
        &mut errors,
        &[
            ("ownerId", owner_id),
            ("waitingOnUserId", waiting_on),
            ("prooferId", proofer_id),
        ],
    )
    .await?;
    errors.into_result()?;
    let (
        Some(title),
        Some(description),
        Some(item_type),
        Some(status),
        Some(priority),
        Some(deliverable_type),
        Some(tags),
        Some(client),
        Some(waiting_reason),
        Some(graphics),
        Some(checklist),
        Some(qc_notes),
        Some(cadence_key),
    ) = (
        title,
        description,
        item_type,
        status,
        priority,
        deliverable_type,
        tags,
        client,
        waiting_reason,
        graphics,
        checklist,
        qc_notes,
        cadence_key,
    )
    else {
        unreachable!("every field parsed when there are no errors");
    };
    let proof_status = needs_proofing.then_some(ProofStatus::Pending);
    rules::check_qc_gate(status, needs_proofing, proof_status)
        .map_err(|state| ServiceError::Conflict(rules::qc_gate_refusal(state, None)))?;

    let now = time::now();
    let id = WorkItemId::new().0;
    let txn = db.begin_write().await?;
    let model = work_item::ActiveModel {
        id: Set(id),
        number: Set(crate::db::item_numbers::next(&txn).await?),
        title: Set(title),
        description: Set(description),
        item_type: Set(item_type),
        status: Set(status),
        priority: Set(priority),
        owner_id: Set(owner_id),
        created_by_id: Set(actor.user_id.map(|u| u.0)),
        start_at: Set(start_at),
        due_at: Set(due_at),
        completed_at: Set((status == Status::Done).then_some(now)),
        deliverable_type: Set(deliverable_type),
        cadence_key: Set(cadence_key),
        template_id: Set(template_id.filter(|_| from_template.is_some())),
        client: Set(client),
        ghl_contact_id: Set(ghl_contact_id.flatten()),
        ghl_opportunity_id: Set(ghl_opportunity_id.flatten()),
        waiting_on_user_id: Set(waiting_on),
        waiting_reason: Set(waiting_reason),
        waiting_since: Set(waiting_on.map(|_| now)),
        needs_proofing: Set(needs_proofing),
        proof_status: Set(proof_status),
        proofer_id: Set(proofer_id),
        proofed_at: Set(None),
        proofed_by_id: Set(None),
        tbp_graphics_location: Set(graphics),
        qc_notes: Set(qc_notes),
        rank: Set(match placement {
            Placement::End => rank_at_end(&txn, status).await?,
            Placement::Top => rank_at_top(&txn, status).await?,
        }),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|error| match error.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            ServiceError::Conflict("an item with this cadenceKey already exists".into())
        }
        _ => error.into(),
    })?;
    replace_tags(&txn, id, &tags).await?;
    replace_checklist(&txn, id, &checklist).await?;
    if let Some(parts) = &template {
        insert_template_subtasks(&txn, id, parts, due_at, owner_id, now).await?;
    }
    let after: serde_json::Map<String, serde_json::Value> = audit_groups(&model)
        .into_iter()
        .flat_map(|(_, group)| group.as_object().cloned().unwrap_or_default())
        .collect();
    audit::record(
        &txn,
        actor,
        AuditEntry {
            action: AuditAction::WorkItemCreate,
            entity_type: "work_item",
            entity_id: Some(id),
            work_item_id: Some(id),
            summary: Some(model.title.clone()),
            before: None,
            after: Some(json!(after)),
        },
    )
    .await?;
    if let Some(owner) = owner_id {
        notifications::notify(
            &txn,
            owner,
            NotificationKind::Assigned,
            Some(id),
            actor.user_id,
            format!("You own “{}”", model.title),
        )
        .await?;
    }
    if let Some(waiting) = waiting_on {
        notifications::notify(
            &txn,
            waiting,
            NotificationKind::Waiting,
            Some(id),
            actor.user_id,
            format!("“{}” is waiting on you", model.title),
        )
        .await?;
    }
    txn.commit().await?;
    super::get(db, WorkItemId(id)).await
}

async fn load_template(db: &Db, id: Uuid) -> Result<Option<TemplateParts>, ServiceError> {
    let Some(template) = template::Entity::find_by_id(id).one(db.conn()).await? else {
        return Ok(None);
    };
    let subtasks = template_subtask::Entity::find()
        .filter(template_subtask::Column::TemplateId.eq(id))
        .order_by_asc(template_subtask::Column::Position)
        .all(db.conn())
        .await?;
    Ok(Some(TemplateParts { template, subtasks }))
}

fn template_tags(template: &template::Model) -> Vec<String> {
    serde_json::from_value(template.tags.clone()).unwrap_or_default()
}

fn template_checklist(template: &template::Model) -> Vec<ChecklistItem> {
    serde_json::from_value(template.qc_checklist.clone()).unwrap_or_default()
}

async fn insert_template_subtasks(
    txn: &sea_orm::DatabaseTransaction,
    item: Uuid,
    parts: &TemplateParts,
    due_at: Option<DateTime<Utc>>,
    owner: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    for (position, step) in parts.subtasks.iter().enumerate() {
        subtask::ActiveModel {
            id: Set(new_uuid()),
            work_item_id: Set(item),
            title: Set(step.title.clone()),
            done: Set(false),
            assignee_id: Set(owner),
            due_at: Set(due_at.map(|due| due + Duration::days(step.due_offset_days.into()))),
            position: Set(position as i32),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}
