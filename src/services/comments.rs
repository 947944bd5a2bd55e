//! Comments (docs/PRODUCT.md §3): internal Markdown notes on an item. Authors may edit or delete their
//! own and admins may delete any; `@handle` mentions notify the person they name (§4).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    FromQueryResult, JoinType, QueryFilter, QueryOrder, QuerySelect, RelationTrait, Select, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::domain::audit_action::AuditAction;
use crate::{
    db::{
        Db,
        entities::{comment, user, work_item},
        time,
    },
    domain::{
        FieldErrors,
        ids::{WorkItemId, new_uuid},
        markdown,
        user::Role,
        work_item_rules::{self as rules, MAX_COMMENT_CHARS},
    },
    services::{
        ServiceError,
        audit::{self, Actor, AuditEntry},
        notifications::{self, NotificationKind},
        work_items,
    },
};

/// Only this many distinct `@handles` of one comment are looked up; a comment that names
/// more people than that is not a conversation but a mailing list.
pub const MAX_MENTIONS: usize = 50;

/// A comment as the API returns it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommentView {
    pub id: Uuid,
    pub work_item_id: Uuid,
    /// `null` once the author's account is deleted.
    pub author_id: Option<Uuid>,
    pub author_name: Option<String>,
    /// The Markdown as written.
    pub body: String,
    /// The Markdown rendered and sanitised, safe to put in a page.
    pub body_html: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A comment row with its author's name, from one joined query.
#[derive(Debug, Clone, FromQueryResult)]
struct CommentRow {
    id: Uuid,
    work_item_id: Uuid,
    author_id: Option<Uuid>,
    author_name: Option<String>,
    body: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<CommentRow> for CommentView {
    fn from(row: CommentRow) -> Self {
        CommentView {
            body_html: markdown::render(&row.body),
            id: row.id,
            work_item_id: row.work_item_id,
            author_id: row.author_id,
            author_name: row.author_name,
            body: row.body,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// `POST /api/work-items/{id}/comments` and `PATCH /api/comments/{id}`.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CommentBody {
    /// Markdown, 1–20,000 characters, not blank.
    #[schema(required = true, nullable = false, value_type = String, min_length = 1, max_length = 20000, pattern = r"\S")]
    pub body: Option<String>,
}

/// An item's comments, oldest first.
pub async fn list(db: &Db, item: WorkItemId) -> Result<Vec<CommentView>, ServiceError> {
    let rows = select_rows()
        .filter(comment::Column::WorkItemId.eq(item.0))
        .order_by_asc(comment::Column::CreatedAt)
        .order_by_asc(comment::Column::Id)
        .into_model::<CommentRow>()
        .all(db.conn())
        .await?;
    if rows.is_empty() {
        work_items::find(db.conn(), item).await?;
    }
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Adds a comment and tells the people it mentions.
pub async fn create(
    db: &Db,
    actor: &Actor,
    item: WorkItemId,
    input: CommentBody,
) -> Result<CommentView, ServiceError> {
    let mut errors = FieldErrors::default();
    let body = parse_body(&mut errors, input.body.as_deref());
    let txn = db.begin_write().await?;
    let parent = work_items::find(&txn, item).await?;
    errors.into_result()?;
    let Some(body) = body else {
        unreachable!("the body parsed when there are no errors");
    };
    let saved = create_in(&txn, actor, &parent, body).await?;
    txn.commit().await?;
    get(db.conn(), saved.id).await
}

/// Adds a checked comment within the caller's transaction: the same row, audit entry and
/// mention notifications as any comment (QC decisions use it for their notes).
pub async fn create_in(
    txn: &DatabaseTransaction,
    actor: &Actor,
    parent: &work_item::Model,
    body: String,
) -> Result<comment::Model, ServiceError> {
    let now = time::now();
    let saved = comment::ActiveModel {
        id: Set(new_uuid()),
        work_item_id: Set(parent.id),
        author_id: Set(actor.user_id.map(|u| u.0)),
        body: Set(body),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    record(
        txn,
        actor,
        AuditAction::CommentCreate,
        &saved,
        None,
        Some(&saved.body),
    )
    .await?;
    let mentioned = mentioned_people(txn, &saved.body).await?;
    notify_mentioned(txn, actor, parent, mentioned).await?;
    Ok(saved)
}

/// Changes a comment's body (its author only). People newly mentioned are told.
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    input: CommentBody,
) -> Result<CommentView, ServiceError> {
    let mut errors = FieldErrors::default();
    let body = parse_body(&mut errors, input.body.as_deref());
    let txn = db.begin_write().await?;
    let current = find(&txn, id).await?;
    if current.author_id.is_none() || current.author_id != actor.user_id.map(|u| u.0) {
        return Err(ServiceError::Forbidden);
    }
    errors.into_result()?;
    let Some(body) = body else {
        unreachable!("the body parsed when there are no errors");
    };
    if body == current.body {
        return get(&txn, id).await;
    }
    let mut model: comment::ActiveModel = current.clone().into();
    model.body = Set(body);
    model.updated_at = Set(time::now());
    let saved = model.update(&txn).await?;
    record(
        &txn,
        actor,
        AuditAction::CommentUpdate,
        &saved,
        Some(&current.body),
        Some(&saved.body),
    )
    .await?;
    let before: HashSet<Uuid> = mentioned_people(&txn, &current.body)
        .await?
        .into_iter()
        .collect();
    let newly: Vec<Uuid> = mentioned_people(&txn, &saved.body)
        .await?
        .into_iter()
        .filter(|person| !before.contains(person))
        .collect();
    let parent = work_items::find(&txn, WorkItemId(saved.work_item_id)).await?;
    notify_mentioned(&txn, actor, &parent, newly).await?;
    txn.commit().await?;
    get(db.conn(), id).await
}

/// Deletes a comment: its author may, and so may any admin.
pub async fn delete(db: &Db, actor: &Actor, role: Role, id: Uuid) -> Result<(), ServiceError> {
    let txn = db.begin_write().await?;
    let current = find(&txn, id).await?;
    let is_author = current.author_id.is_some() && current.author_id == actor.user_id.map(|u| u.0);
    if !is_author && role != Role::Admin {
        return Err(ServiceError::Forbidden);
    }
    comment::Entity::delete_by_id(id).exec(&txn).await?;
    record(
        &txn,
        actor,
        AuditAction::CommentDelete,
        &current,
        Some(&current.body),
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The body: at most 20,000 characters as sent, not blank; stored trimmed.
fn parse_body(errors: &mut FieldErrors, raw: Option<&str>) -> Option<String> {
    let Some(raw) = raw else {
        errors.add("body", "body is required");
        return None;
    };
    let body = raw.trim();
    if body.is_empty() || raw.chars().count() > MAX_COMMENT_CHARS {
        errors.add(
            "body",
            format!("body must be 1 to {MAX_COMMENT_CHARS} characters"),
        );
        return None;
    }
    Some(body.to_string())
}

/// `SELECT comments.*, users.name AS author_name FROM comments LEFT JOIN users ...`
fn select_rows() -> Select<comment::Entity> {
    comment::Entity::find()
        .column_as(user::Column::Name, "author_name")
        .join(JoinType::LeftJoin, comment::Relation::Author.def())
}

async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<CommentView, ServiceError> {
    select_rows()
        .filter(comment::Column::Id.eq(id))
        .into_model::<CommentRow>()
        .one(conn)
        .await?
        .map(Into::into)
        .ok_or(ServiceError::NotFound)
}

async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<comment::Model, ServiceError> {
    comment::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// The active people that `text` mentions. A handle that more than one person answers to
/// names nobody: guessing would tell the wrong person.
pub async fn mentioned_people(
    conn: &impl ConnectionTrait,
    text: &str,
) -> Result<Vec<Uuid>, ServiceError> {
    let handles: Vec<String> = rules::mentions(text)
        .into_iter()
        .take(MAX_MENTIONS)
        .collect();
    if handles.is_empty() {
        return Ok(Vec::new());
    }
    // Narrow in SQL to a superset (email local part, or a name starting with the handle's
    // first letter in either case), then apply the exact rule of `handles_of` here.
    let mut candidates = Condition::any();
    let mut initials: Vec<String> = Vec::new();
    for handle in &handles {
        candidates = candidates.add(user::Column::Email.like(format!("{handle}@%")));
        if let Some(first) = handle.chars().next() {
            for initial in [
                first.to_lowercase().to_string(),
                first.to_uppercase().to_string(),
            ] {
                if !initials.contains(&initial) {
                    initials.push(initial);
                }
            }
        }
    }
    for initial in &initials {
        candidates = candidates.add(user::Column::Name.like(format!("{initial}%")));
    }
    let people: Vec<(Uuid, String, String)> = user::Entity::find()
        .select_only()
        .columns([user::Column::Id, user::Column::Name, user::Column::Email])
        .filter(user::Column::Active.eq(true))
        .filter(candidates)
        .into_tuple()
        .all(conn)
        .await?;
    let answering: Vec<(Uuid, Vec<String>)> = people
        .into_iter()
        .map(|(id, name, email)| (id, rules::handles_of(&name, &email)))
        .collect();
    let mut found: Vec<Uuid> = Vec::new();
    for handle in &handles {
        let mut matches = answering
            .iter()
            .filter(|(_, theirs)| theirs.contains(handle));
        if let (Some((person, _)), None) = (matches.next(), matches.next())
            && !found.contains(person)
        {
            found.push(*person);
        }
    }
    Ok(found)
}

/// A `MENTION` notification for each person (never for the author: `notify` skips them).
async fn notify_mentioned(
    txn: &DatabaseTransaction,
    actor: &Actor,
    item: &work_item::Model,
    people: Vec<Uuid>,
) -> Result<(), ServiceError> {
    if people.is_empty() {
        return Ok(());
    }
    let author = match actor.user_id {
        Some(id) => user::Entity::find_by_id(id.0)
            .one(txn)
            .await?
            .map(|u| u.name),
        None => None,
    }
    .unwrap_or_else(|| "Someone".to_string());
    for person in people {
        notifications::notify(
            txn,
            person,
            NotificationKind::Mention,
            Some(item.id),
            actor.user_id,
            format!("{author} mentioned you on “{}”", item.title),
        )
        .await?;
    }
    Ok(())
}

/// An audit entry in the item's history, with the body before and after.
async fn record(
    txn: &DatabaseTransaction,
    actor: &Actor,
    action: AuditAction,
    row: &comment::Model,
    before: Option<&String>,
    after: Option<&String>,
) -> Result<(), ServiceError> {
    audit::record(
        txn,
        actor,
        AuditEntry {
            action,
            entity_type: "comment",
            entity_id: Some(row.id),
            work_item_id: Some(row.work_item_id),
            summary: None,
            before: before.map(|body| json!({"body": body, "authorId": row.author_id})),
            after: after.map(|body| json!({"body": body, "authorId": row.author_id})),
        },
    )
    .await
}
