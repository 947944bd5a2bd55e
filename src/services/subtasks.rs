//! Subtasks (docs/PRODUCT.md §3): the steps of a work item — add, edit, toggle, reorder, delete.
//! Positions are kept contiguous (`0..n-1`) in the same transaction as every change, and each
//! change locks its item's row (on PostgreSQL; SQLite's `BEGIN IMMEDIATE` already serialises
//! writers) so two reorders at once cannot leave gaps or duplicates.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    db::{
        Db,
        entities::{subtask, user, work_item},
        time,
    },
    domain::{
        FieldErrors,
        ids::{WorkItemId, new_uuid},
        patch::{Patch, double_option},
        work_item_rules as rules,
    },
    services::{
        ServiceError,
        audit::{self, Actor, AuditEntry},
        notifications::{self, NotificationKind},
        work_items::{
            self,
            input::{time_field, uuid_field},
        },
    },
};

/// An item holds at most this many subtasks: reordering rewrites positions, so the list
/// must stay short enough for that to be cheap.
mod support;

use crate::domain::audit_action::AuditAction;
use support::*;

pub const MAX_SUBTASKS_PER_ITEM: usize = 200;

/// A subtask as the API returns it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubtaskView {
    pub id: Uuid,
    pub work_item_id: Uuid,
    pub title: String,
    pub done: bool,
    pub assignee_id: Option<Uuid>,
    pub due_at: Option<DateTime<Utc>>,
    /// 0 for the first step; positions of an item are always `0..n-1`.
    pub position: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<subtask::Model> for SubtaskView {
    fn from(row: subtask::Model) -> Self {
        SubtaskView {
            id: row.id,
            work_item_id: row.work_item_id,
            title: row.title,
            done: row.done,
            assignee_id: row.assignee_id,
            due_at: row.due_at,
            position: row.position,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// `POST /api/work-items/{id}/subtasks`.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewSubtask {
    /// 1–200 characters, not blank.
    #[schema(required = true, nullable = false, value_type = String, min_length = 1, max_length = 200, pattern = r"\S")]
    pub title: Option<String>,
    /// An active person.
    #[schema(format = Uuid)]
    pub assignee_id: Option<String>,
    #[schema(format = DateTime)]
    pub due_at: Option<String>,
    /// Where to insert it (0 = first); past the end, or absent, means last.
    #[serde(default, deserialize_with = "crate::domain::whole::option")]
    #[schema(minimum = 0, maximum = 9223372036854775807_i64)]
    pub position: Option<i64>,
}

/// `PATCH /api/subtasks/{id}`: only the fields present change; `null` clears.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SubtaskChanges {
    /// 1–200 characters, not blank.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub title: Option<String>,
    pub done: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub assignee_id: Patch<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_at: Patch<String>,
    /// Moves the subtask (0 = first; past the end means last); the others close up.
    #[serde(default, deserialize_with = "crate::domain::whole::option")]
    #[schema(minimum = 0, maximum = 9223372036854775807_i64)]
    pub position: Option<i64>,
}

/// An item's subtasks in position order.
pub async fn list(db: &Db, item: WorkItemId) -> Result<Vec<SubtaskView>, ServiceError> {
    let rows = siblings(db.conn(), item.0).await?;
    if rows.is_empty() {
        // An empty list and an unknown item look alike until we ask.
        work_items::find(db.conn(), item).await?;
    }
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Adds a subtask. Every field is checked before anything is written.
pub async fn create(
    db: &Db,
    actor: &Actor,
    item: WorkItemId,
    input: NewSubtask,
) -> Result<SubtaskView, ServiceError> {
    let mut errors = FieldErrors::default();
    let title = match input.title.as_deref() {
        Some(raw) => errors.check("title", rules::parse_title(raw)),
        None => {
            errors.add("title", "title is required");
            None
        }
    };
    let assignee = input
        .assignee_id
        .as_deref()
        .and_then(|raw| uuid_field(&mut errors, "assigneeId", raw));
    let due_at = input
        .due_at
        .as_deref()
        .and_then(|raw| time_field(&mut errors, "dueAt", raw));
    let position = input
        .position
        .and_then(|raw| position_field(&mut errors, raw));

    let txn = db.begin_write().await?;
    let parent = lock_item(&txn, item.0).await?;
    check_assignee(&txn, &mut errors, assignee).await?;
    errors.into_result()?;
    let Some(title) = title else {
        unreachable!("the title parsed when there are no errors");
    };
    let others = siblings(&txn, parent.id).await?;
    if others.len() >= MAX_SUBTASKS_PER_ITEM {
        return Err(ServiceError::Conflict(format!(
            "an item has at most {MAX_SUBTASKS_PER_ITEM} subtasks"
        )));
    }
    let index = position.unwrap_or(others.len()).min(others.len());
    let now = time::now();
    let created = subtask::ActiveModel {
        id: Set(new_uuid()),
        work_item_id: Set(parent.id),
        title: Set(title),
        done: Set(false),
        assignee_id: Set(assignee),
        due_at: Set(due_at),
        position: Set(index as i32),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let mut order = others;
    order.insert(index, created.clone());
    renumber(&txn, &order, created.id).await?;
    record(
        &txn,
        actor,
        AuditAction::SubtaskCreate,
        None,
        Some(&created),
    )
    .await?;
    if let Some(person) = created.assignee_id {
        notify_assignee(&txn, actor, person, &created, &parent).await?;
    }
    txn.commit().await?;
    Ok(created.into())
}

/// Changes a subtask; a new `position` moves it and closes up the others.
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    changes: SubtaskChanges,
) -> Result<SubtaskView, ServiceError> {
    let mut errors = FieldErrors::default();
    let title = changes
        .title
        .as_deref()
        .and_then(|raw| errors.check("title", rules::parse_title(raw)));
    let assignee = changes.assignee_id.as_ref().map(|patch| {
        patch
            .as_deref()
            .and_then(|raw| uuid_field(&mut errors, "assigneeId", raw))
    });
    let due_at = changes.due_at.as_ref().map(|patch| {
        patch
            .as_deref()
            .and_then(|raw| time_field(&mut errors, "dueAt", raw))
    });
    let position = changes
        .position
        .and_then(|raw| position_field(&mut errors, raw));

    let txn = db.begin_write().await?;
    let (parent, current, mut order) = load_locked(&txn, id).await?;
    let new_assignee = assignee
        .flatten()
        .filter(|a| Some(*a) != current.assignee_id);
    check_assignee(&txn, &mut errors, new_assignee).await?;
    errors.into_result()?;

    let mut next = current.clone();
    if let Some(title) = title {
        next.title = title;
    }
    if let Some(done) = changes.done {
        next.done = done;
    }
    if let Some(assignee) = assignee {
        next.assignee_id = assignee;
    }
    if let Some(due_at) = due_at {
        next.due_at = due_at;
    }
    if let Some(wanted) = position {
        next.position = wanted.min(order.len()) as i32;
    }
    if next == current {
        return Ok(current.into());
    }
    next.updated_at = time::now();
    let saved = save(&txn, &current, &next).await?;
    if position.is_some() {
        order.insert(saved.position as usize, saved.clone());
        renumber(&txn, &order, id).await?;
    }
    record(
        &txn,
        actor,
        AuditAction::SubtaskUpdate,
        Some(&current),
        Some(&saved),
    )
    .await?;
    if let Some(person) = new_assignee {
        notify_assignee(&txn, actor, person, &saved, &parent).await?;
    }
    txn.commit().await?;
    Ok(saved.into())
}

/// Deletes a subtask; the ones after it move up.
pub async fn delete(db: &Db, actor: &Actor, id: Uuid) -> Result<(), ServiceError> {
    let txn = db.begin_write().await?;
    let (_, current, order) = load_locked(&txn, id).await?;
    subtask::Entity::delete_by_id(id).exec(&txn).await?;
    renumber(&txn, &order, id).await?;
    record(
        &txn,
        actor,
        AuditAction::SubtaskDelete,
        Some(&current),
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
