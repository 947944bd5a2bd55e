//! Messages (docs/PRODUCT.md §3): the client-facing conversation of an item. Staff log what they
//! sent (`OUTBOUND`, status `LOGGED`) or record what the client sent them elsewhere
//! (`INBOUND`, status `RECEIVED`, and the item's owner hears of it).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, JoinType,
    QueryFilter, QueryOrder, QuerySelect, RelationTrait, Select, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::domain::audit_action::AuditAction;
use crate::{
    db::{
        Db,
        entities::{message, user},
        time,
    },
    domain::{
        FieldErrors,
        ids::{WorkItemId, new_uuid},
    },
    services::{
        ServiceError,
        audit::{self, Actor, AuditEntry},
        notifications::{self, NotificationKind},
        work_items,
    },
};

/// The longest message body, in characters.
pub const MAX_MESSAGE_CHARS: usize = 10_000;

/// The ways a message travels.
pub const CHANNELS: &[&str] = &["EMAIL", "SMS", "NOTE"];

/// Who sent it: us (`OUTBOUND`) or the client (`INBOUND`).
pub const DIRECTIONS: &[&str] = &["OUTBOUND", "INBOUND"];

/// Where a message stands: `LOGGED` (recorded only), `QUEUED` and then `SENT` or `FAILED`
/// (delivered through HighLevel), `RECEIVED` (from the client).
pub const STATUSES: &[&str] = &["LOGGED", "QUEUED", "SENT", "FAILED", "RECEIVED"];

fn channel_schema() -> utoipa::openapi::schema::Object {
    crate::domain::text_enum_schema(CHANNELS)
}

fn direction_schema() -> utoipa::openapi::schema::Object {
    crate::domain::text_enum_schema(DIRECTIONS)
}

fn status_schema() -> utoipa::openapi::schema::Object {
    crate::domain::text_enum_schema(STATUSES)
}

/// A message as the API returns it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, FromQueryResult)]
#[serde(rename_all = "camelCase")]
pub struct MessageView {
    pub id: Uuid,
    pub work_item_id: Uuid,
    /// `OUTBOUND` or `INBOUND`.
    #[schema(schema_with = direction_schema)]
    pub direction: String,
    /// `EMAIL`, `SMS` or `NOTE`.
    #[schema(schema_with = channel_schema)]
    pub channel: String,
    pub body: String,
    /// `LOGGED`, `QUEUED`, `SENT`, `FAILED` or `RECEIVED`.
    #[schema(schema_with = status_schema)]
    pub status: String,
    /// The person who wrote or logged it.
    pub author_id: Option<Uuid>,
    pub author_name: Option<String>,
    pub ghl_message_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `POST /api/work-items/{id}/messages`.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewMessage {
    #[schema(required = true, nullable = false, value_type = String, pattern = "^(EMAIL|SMS|NOTE)$")]
    pub channel: Option<String>,
    /// 1–10,000 characters, not blank.
    #[schema(required = true, nullable = false, value_type = String, min_length = 1, max_length = 10000, pattern = r"\S")]
    pub body: Option<String>,
    /// `OUTBOUND` (default), or `INBOUND` to record what a client sent elsewhere.
    #[schema(pattern = "^(OUTBOUND|INBOUND)$")]
    pub direction: Option<String>,
}

/// An item's conversation, oldest first.
pub async fn list(db: &Db, item: WorkItemId) -> Result<Vec<MessageView>, ServiceError> {
    let rows = select_views()
        .filter(message::Column::WorkItemId.eq(item.0))
        .order_by_asc(message::Column::CreatedAt)
        .order_by_asc(message::Column::Id)
        .into_model::<MessageView>()
        .all(db.conn())
        .await?;
    if rows.is_empty() {
        work_items::find(db.conn(), item).await?;
    }
    Ok(rows)
}

/// Logs a message on an item, without HighLevel delivery (as when GHL is not configured);
/// see [`create_with_delivery`].
pub async fn create(
    db: &Db,
    actor: &Actor,
    item: WorkItemId,
    input: NewMessage,
) -> Result<MessageView, ServiceError> {
    create_with_delivery(db, actor, item, input, false).await
}

/// Logs a message on an item. Every field is checked before anything is written. With
/// `ghl_configured` (GHL_API_KEY and GHL_LOCATION_ID set), an outbound message on an item
/// with a `ghlContactId` is queued for delivery through HighLevel (docs/PRODUCT.md §7).
pub async fn create_with_delivery(
    db: &Db,
    actor: &Actor,
    item: WorkItemId,
    input: NewMessage,
    ghl_configured: bool,
) -> Result<MessageView, ServiceError> {
    let mut errors = FieldErrors::default();
    let channel = match input.channel.as_deref() {
        Some(raw) => one_of(&mut errors, "channel", raw, CHANNELS),
        None => {
            errors.add("channel", "channel is required");
            None
        }
    };
    let direction = match input.direction.as_deref() {
        Some(raw) => one_of(&mut errors, "direction", raw, DIRECTIONS),
        None => Some("OUTBOUND"),
    };
    let body = parse_body(&mut errors, input.body.as_deref());
    let txn = db.begin_write().await?;
    let parent = work_items::find(&txn, item).await?;
    errors.into_result()?;
    let (Some(channel), Some(direction), Some(body)) = (channel, direction, body) else {
        unreachable!("every field parsed when there are no errors");
    };
    let inbound = direction == "INBOUND";
    // An OUTBOUND message on an item with a ghlContactId, while GHL is configured, is saved
    // as QUEUED and its delivery queued below, in this transaction (docs/PRODUCT.md §7).
    let deliver = !inbound && ghl_configured && parent.ghl_contact_id.is_some();
    let status = match (inbound, deliver) {
        (true, _) => "RECEIVED",
        (false, true) => "QUEUED",
        (false, false) => "LOGGED",
    };
    let now = time::now();
    let saved = message::ActiveModel {
        id: Set(new_uuid()),
        work_item_id: Set(parent.id),
        direction: Set(direction.to_string()),
        channel: Set(channel.to_string()),
        body: Set(body),
        status: Set(status.to_string()),
        author_id: Set(actor.user_id.map(|u| u.0)),
        ghl_message_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    if deliver {
        crate::services::events::outbound::queue_item_message(&txn, &parent, &saved).await?;
    }
    audit::record(
        &txn,
        actor,
        AuditEntry {
            action: AuditAction::MessageCreate,
            entity_type: "message",
            entity_id: Some(saved.id),
            work_item_id: Some(parent.id),
            summary: Some(format!("{direction} {channel} message")),
            before: None,
            after: Some(json!({
                "direction": saved.direction, "channel": saved.channel,
                "status": saved.status, "body": saved.body,
            })),
        },
    )
    .await?;
    if inbound && let Some(owner) = parent.owner_id {
        notifications::notify(
            &txn,
            owner,
            NotificationKind::ClientReply,
            Some(parent.id),
            actor.user_id,
            format!("The client replied on “{}”", parent.title),
        )
        .await?;
    }
    txn.commit().await?;
    get(db.conn(), saved.id).await
}

/// `raw` if it is one of `allowed`, else a problem under `field`.
fn one_of(
    errors: &mut FieldErrors,
    field: &str,
    raw: &str,
    allowed: &[&'static str],
) -> Option<&'static str> {
    let found = allowed.iter().copied().find(|value| *value == raw);
    if found.is_none() {
        errors.add(
            field,
            format!("{field} must be one of {}", allowed.join(", ")),
        );
    }
    found
}

/// The body: at most 10,000 characters as sent, not blank; stored trimmed.
fn parse_body(errors: &mut FieldErrors, raw: Option<&str>) -> Option<String> {
    let Some(raw) = raw else {
        errors.add("body", "body is required");
        return None;
    };
    let body = raw.trim();
    if body.is_empty() || raw.chars().count() > MAX_MESSAGE_CHARS {
        errors.add(
            "body",
            format!("body must be 1 to {MAX_MESSAGE_CHARS} characters"),
        );
        return None;
    }
    Some(body.to_string())
}

/// `SELECT messages.*, users.name AS author_name FROM messages LEFT JOIN users ...`
fn select_views() -> Select<message::Entity> {
    message::Entity::find()
        .column_as(user::Column::Name, "author_name")
        .join(JoinType::LeftJoin, message::Relation::Author.def())
}

async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<MessageView, ServiceError> {
    select_views()
        .filter(message::Column::Id.eq(id))
        .into_model::<MessageView>()
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound)
}
