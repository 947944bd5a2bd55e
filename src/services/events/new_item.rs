//! Writing a work item inside the caller's transaction, so that an event's effects and its
//! `PROCESSED` mark commit together (exactly-once processing). `work_items::create` opens its
//! own transaction and checks a person's input; these items are built by the pipeline from
//! values it already controls, so they are fitted to the rules (titles shortened, inactive
//! owners dropped) rather than refused.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::domain::audit_action::AuditAction;
use crate::{
    db::{
        entities::{
            qc_checklist_item, subtask, template, template_subtask, user, work_item, work_item_tag,
        },
        time,
    },
    domain::{
        ids::new_uuid,
        rank,
        work_item::{DeliverableType, ItemType, Priority, ProofStatus, Status},
        work_item_rules::{ChecklistItem, MAX_CLIENT_CHARS, MAX_TITLE_CHARS},
    },
    services::{
        ServiceError,
        audit::{self, Actor, AuditEntry},
        notifications::{self, NotificationKind},
    },
};

/// A template with its subtasks, in order.
pub struct TemplateParts {
    pub template: template::Model,
    pub subtasks: Vec<template_subtask::Model>,
}

/// An item to be written.
#[derive(Debug, Clone)]
pub struct ItemDraft {
    pub title: String,
    pub description: String,
    pub item_type: ItemType,
    pub status: Status,
    pub priority: Priority,
    pub deliverable_type: Option<DeliverableType>,
    pub owner_id: Option<Uuid>,
    pub start_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub tags: Vec<String>,
    pub needs_proofing: bool,
    pub checklist: Vec<ChecklistItem>,
    pub client: Option<String>,
    pub ghl_contact_id: Option<String>,
    pub ghl_opportunity_id: Option<String>,
    pub template_id: Option<Uuid>,
    /// `(title, days relative to the item's due date)`.
    pub subtasks: Vec<(String, i32)>,
}

impl ItemDraft {
    /// A plain item of `item_type`.
    pub fn blank(title: &str, item_type: ItemType) -> ItemDraft {
        ItemDraft {
            title: fit(title, MAX_TITLE_CHARS).unwrap_or_else(|| "Untitled".to_string()),
            description: String::new(),
            item_type,
            status: Status::Backlog,
            priority: Priority::Normal,
            deliverable_type: None,
            owner_id: None,
            start_at: None,
            due_at: None,
            tags: Vec::new(),
            needs_proofing: false,
            checklist: Vec::new(),
            client: None,
            ghl_contact_id: None,
            ghl_opportunity_id: None,
            template_id: None,
            subtasks: Vec::new(),
        }
    }

    /// An item as a template describes it, due after the template's duration from now.
    pub fn from_template(parts: &TemplateParts) -> ItemDraft {
        let t = &parts.template;
        let mut draft = ItemDraft::blank(&t.name, t.item_type);
        draft.description = t.description.clone();
        draft.priority = t.priority;
        draft.deliverable_type = t.deliverable_type;
        draft.owner_id = t.default_owner_id;
        draft.tags = serde_json::from_value(t.tags.clone()).unwrap_or_default();
        draft.needs_proofing = t.needs_proofing;
        draft.checklist = serde_json::from_value(t.qc_checklist.clone()).unwrap_or_default();
        draft.template_id = Some(t.id);
        draft.due_at = Some(time::truncate(
            time::now() + Duration::days(t.duration_days.into()),
        ));
        draft.subtasks = parts
            .subtasks
            .iter()
            .map(|s| (s.title.clone(), s.due_offset_days))
            .collect();
        if draft.item_type == ItemType::Event && draft.start_at.is_none() {
            // An EVENT needs a start; a template's event starts when it is made.
            draft.start_at = Some(time::now());
        }
        draft
    }

    /// Sets the title, cut to the longest allowed (an empty one is ignored).
    pub fn set_title(&mut self, title: &str) {
        if let Some(title) = fit(title, MAX_TITLE_CHARS) {
            self.title = title;
        }
    }

    /// Sets the client, cut to the longest allowed.
    pub fn set_client(&mut self, client: Option<&str>) {
        self.client = client.and_then(|c| fit(c, MAX_CLIENT_CHARS));
    }
}

/// `text` trimmed and cut to `max` characters; `None` when empty.
pub fn fit(text: &str, max: usize) -> Option<String> {
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| {
        trimmed
            .chars()
            .take(max)
            .collect::<String>()
            .trim_end()
            .to_string()
    })
}

/// A template and its subtasks, if it exists.
pub async fn load_template(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<TemplateParts>, ServiceError> {
    let Some(template) = template::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let subtasks = template_subtask::Entity::find()
        .filter(template_subtask::Column::TemplateId.eq(id))
        .order_by_asc(template_subtask::Column::Position)
        .all(conn)
        .await?;
    Ok(Some(TemplateParts { template, subtasks }))
}

/// The active person mapped to a HighLevel user id, if any.
pub async fn person_for_ghl_user(
    conn: &impl ConnectionTrait,
    ghl_user_id: Option<&str>,
) -> Result<Option<Uuid>, ServiceError> {
    let Some(ghl_user_id) = ghl_user_id else {
        return Ok(None);
    };
    Ok(user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::GhlUserId.eq(ghl_user_id))
        .filter(user::Column::Active.eq(true))
        .into_tuple::<Uuid>()
        .one(conn)
        .await?)
}

/// Writes the item with its tags, checklist, subtasks, audit entry and the owner's
/// notification, on `conn` (the caller's transaction).
pub async fn insert(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    mut draft: ItemDraft,
) -> Result<work_item::Model, ServiceError> {
    if let Some(owner) = draft.owner_id {
        let active = user::Entity::find_by_id(owner)
            .filter(user::Column::Active.eq(true))
            .one(conn)
            .await?;
        if active.is_none() {
            draft.owner_id = None;
        }
    }
    if let (Some(start), Some(due)) = (draft.start_at, draft.due_at)
        && due < start
    {
        draft.due_at = Some(start);
    }
    let now = time::now();
    let id = new_uuid();
    let last_rank: Option<String> = work_item::Entity::find()
        .select_only()
        .column(work_item::Column::Rank)
        .filter(work_item::Column::Status.eq(draft.status))
        .order_by_desc(work_item::Column::Rank)
        .limit(1)
        .into_tuple::<String>()
        .one(conn)
        .await?;
    let item = work_item::ActiveModel {
        id: Set(id),
        number: Set(crate::db::item_numbers::next(conn).await?),
        title: Set(draft.title.clone()),
        description: Set(draft.description.clone()),
        item_type: Set(draft.item_type),
        status: Set(draft.status),
        priority: Set(draft.priority),
        owner_id: Set(draft.owner_id),
        created_by_id: Set(actor.user_id.map(|u| u.0)),
        start_at: Set(draft.start_at.map(time::truncate)),
        due_at: Set(draft.due_at.map(time::truncate)),
        completed_at: Set(None),
        deliverable_type: Set(draft.deliverable_type),
        cadence_key: Set(None),
        template_id: Set(draft.template_id),
        client: Set(draft.client.clone()),
        ghl_contact_id: Set(draft.ghl_contact_id.clone()),
        ghl_opportunity_id: Set(draft.ghl_opportunity_id.clone()),
        waiting_on_user_id: Set(None),
        waiting_reason: Set(None),
        waiting_since: Set(None),
        needs_proofing: Set(draft.needs_proofing),
        proof_status: Set(draft.needs_proofing.then_some(ProofStatus::Pending)),
        proofer_id: Set(None),
        proofed_at: Set(None),
        proofed_by_id: Set(None),
        tbp_graphics_location: Set(None),
        qc_notes: Set(None),
        rank: Set(rank::between(last_rank.as_deref(), None)),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?;
    write_parts(conn, &item, &draft, now).await?;
    audit::record(
        conn,
        actor,
        AuditEntry {
            action: AuditAction::WorkItemCreate,
            entity_type: "work_item",
            entity_id: Some(id),
            work_item_id: Some(id),
            summary: Some(item.title.clone()),
            before: None,
            after: Some(json!({
                "status": item.status, "ownerId": item.owner_id, "startAt": item.start_at,
                "dueAt": item.due_at, "client": item.client, "ghlContactId": item.ghl_contact_id,
                "templateId": item.template_id,
            })),
        },
    )
    .await?;
    if let Some(owner) = item.owner_id {
        notifications::notify(
            conn,
            owner,
            NotificationKind::Assigned,
            Some(id),
            actor.user_id,
            format!("You own “{}”", item.title),
        )
        .await?;
    }
    Ok(item)
}

/// Tags, checklist and subtasks of a new item.
async fn write_parts(
    conn: &impl ConnectionTrait,
    item: &work_item::Model,
    draft: &ItemDraft,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let mut tags = draft.tags.clone();
    tags.sort();
    tags.dedup();
    for tag in tags {
        work_item_tag::ActiveModel {
            work_item_id: Set(item.id),
            tag: Set(tag),
        }
        .insert(conn)
        .await?;
    }
    for (position, entry) in draft.checklist.iter().enumerate() {
        qc_checklist_item::ActiveModel {
            id: Set(new_uuid()),
            work_item_id: Set(item.id),
            label: Set(entry.label.clone()),
            checked: Set(entry.checked),
            position: Set(position as i32),
        }
        .insert(conn)
        .await?;
    }
    for (position, (title, offset_days)) in draft.subtasks.iter().enumerate() {
        subtask::ActiveModel {
            id: Set(new_uuid()),
            work_item_id: Set(item.id),
            title: Set(title.clone()),
            done: Set(false),
            assignee_id: Set(item.owner_id),
            due_at: Set(item
                .due_at
                .map(|due| due + Duration::days((*offset_days).into()))),
            position: Set(position as i32),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}
