//! Notifications: "something needs you" messages shown in the inbox (and, later, emailed).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, sea_query::Expr,
};
use serde::Serialize;
use uuid::Uuid;

use super::ServiceError;
use crate::{
    db::{entities::notification, time},
    domain::ids::{UserId, new_uuid},
};

/// Why someone is notified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationKind {
    Mention,
    Assigned,
    Waiting,
    ChangesRequested,
    ClientReply,
    Overdue,
}

impl NotificationKind {
    /// Every kind, in the order the API documents them.
    pub const ALL: &'static [NotificationKind] = &[
        NotificationKind::Mention,
        NotificationKind::Assigned,
        NotificationKind::Waiting,
        NotificationKind::ChangesRequested,
        NotificationKind::ClientReply,
        NotificationKind::Overdue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::Mention => "MENTION",
            NotificationKind::Assigned => "ASSIGNED",
            NotificationKind::Waiting => "WAITING",
            NotificationKind::ChangesRequested => "CHANGES_REQUESTED",
            NotificationKind::ClientReply => "CLIENT_REPLY",
            NotificationKind::Overdue => "OVERDUE",
        }
    }
}

/// Tells `recipient` about something on `work_item_id`, unless they did it themselves.
pub async fn notify(
    conn: &impl ConnectionTrait,
    recipient: Uuid,
    kind: NotificationKind,
    work_item_id: Option<Uuid>,
    actor: Option<UserId>,
    body: String,
) -> Result<(), ServiceError> {
    if actor.is_some_and(|a| a.0 == recipient) {
        return Ok(());
    }
    let created = notification::ActiveModel {
        id: Set(new_uuid()),
        user_id: Set(recipient),
        kind: Set(kind.as_str().to_string()),
        work_item_id: Set(work_item_id),
        actor_id: Set(actor.map(|a| a.0)),
        body: Set(body),
        created_at: Set(time::now()),
        read_at: Set(None),
        emailed_at: Set(None),
    }
    .insert(conn)
    .await?;
    // The email (if wanted now) is queued in the same transaction as the notification.
    super::email_notifications::enqueue_if_wanted(conn, &created).await
}

fn kind_schema() -> utoipa::openapi::schema::Object {
    let names: Vec<&str> = NotificationKind::ALL
        .iter()
        .map(|kind| kind.as_str())
        .collect();
    crate::domain::text_enum_schema(&names)
}

/// A notification as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationView {
    pub id: Uuid,
    /// Why: `MENTION`, `ASSIGNED`, `WAITING`, `CHANGES_REQUESTED`, `CLIENT_REPLY`, `OVERDUE`.
    #[schema(schema_with = kind_schema)]
    pub kind: String,
    pub work_item_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

impl From<notification::Model> for NotificationView {
    fn from(n: notification::Model) -> Self {
        NotificationView {
            id: n.id,
            kind: n.kind,
            work_item_id: n.work_item_id,
            actor_id: n.actor_id,
            body: n.body,
            created_at: n.created_at,
            read_at: n.read_at,
        }
    }
}

/// One's newest notifications (unread only when asked), newest first, `before` an id for paging.
pub async fn list(
    conn: &impl ConnectionTrait,
    user: UserId,
    unread_only: bool,
    before: Option<Uuid>,
    limit: u64,
) -> Result<Vec<NotificationView>, ServiceError> {
    let mut query = notification::Entity::find().filter(notification::Column::UserId.eq(user.0));
    if unread_only {
        query = query.filter(notification::Column::ReadAt.is_null());
    }
    if let Some(before) = before {
        // Ids are UUIDv7: ordering by id is ordering by creation.
        query = query.filter(notification::Column::Id.lt(before));
    }
    Ok(query
        .order_by_desc(notification::Column::Id)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// How many unread notifications someone has (the header badge).
pub async fn unread_count(conn: &impl ConnectionTrait, user: UserId) -> Result<u64, ServiceError> {
    Ok(notification::Entity::find()
        .filter(notification::Column::UserId.eq(user.0))
        .filter(notification::Column::ReadAt.is_null())
        .count(conn)
        .await?)
}

/// Marks some (or all, when `ids` is `None`) of one's notifications read; returns how many.
pub async fn mark_read(
    conn: &impl ConnectionTrait,
    user: UserId,
    ids: Option<&[Uuid]>,
) -> Result<u64, ServiceError> {
    let mut update = notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(time::now()))
        .filter(notification::Column::UserId.eq(user.0))
        .filter(notification::Column::ReadAt.is_null());
    if let Some(ids) = ids {
        update = update.filter(notification::Column::Id.is_in(ids.iter().copied()));
    }
    Ok(update.exec(conn).await?.rows_affected)
}
