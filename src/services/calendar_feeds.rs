//! Private calendar feeds (docs/PRODUCT.md §6): each person creates secret ICS URLs (of their own items,
//! or of all items) that Google Calendar, Outlook and Apple Calendar subscribe to, and revokes
//! them. The token in the URL is the only key: 256 random bits, shown once, stored as a SHA-256
//! hash. A revoked token, or one whose owner was deactivated, is an unknown URL (404).

use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, sea_query::Condition,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    ServiceError,
    audit::{self, Actor, AuditEntry},
    ics::{self, Calendar, Event, When},
};
use crate::domain::audit_action::AuditAction;
use crate::{
    auth::tokens,
    config::Settings,
    db::{
        Db,
        entities::{calendar_feed, user, work_item},
        time,
    },
    domain::{
        credential_name::CredentialName,
        ids::{UserId, new_uuid},
        local_time,
        work_item::{Priority, Status},
    },
    services::work_items::view::key_of,
};

/// What every feed token starts with (so a leaked one is recognisable).
pub const TOKEN_PREFIX: &str = "ops_cal_";
/// A feed shows items from this long ago...
const PAST: Duration = Duration::days(90);
/// ...to this far ahead.
const FUTURE: Duration = Duration::days(400);
/// The most items one feed carries.
const MAX_ITEMS: u64 = 2000;
/// How much of an item's description goes into its event.
const MAX_DESCRIPTION_CHARS: usize = 1000;

/// What a feed covers: `MINE` (items I own) or `ALL` (every item).
pub const SCOPES: &[&str] = &["MINE", "ALL"];

fn scope_schema() -> utoipa::openapi::schema::Object {
    crate::domain::text_enum_schema(SCOPES)
}

/// A feed as its owner sees it (never with its token, which exists only at creation).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FeedView {
    pub id: Uuid,
    pub name: String,
    /// `MINE` (items I own) or `ALL` (every item).
    #[schema(schema_with = scope_schema)]
    pub scope: String,
    pub created_at: DateTime<Utc>,
}

/// A new feed with its private URL, shown this once.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedFeedView {
    pub id: Uuid,
    pub name: String,
    #[schema(schema_with = scope_schema)]
    pub scope: String,
    pub created_at: DateTime<Utc>,
    /// The subscription URL (`.../calendar/<token>.ics`): anyone with it can read the feed.
    pub url: String,
}

/// `POST /api/calendar/feeds`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewFeed {
    /// Up to 100 characters, none of them invisible or reordering the text (blank: "My items"
    /// or "All items").
    #[schema(max_length = 100, pattern = "(credential-name-or-blank)")]
    pub name: Option<String>,
    /// `MINE` (the default) or `ALL`.
    #[schema(pattern = "^(MINE|ALL)$")]
    pub scope: Option<String>,
}

impl From<calendar_feed::Model> for FeedView {
    fn from(feed: calendar_feed::Model) -> Self {
        FeedView {
            id: feed.id,
            name: feed.name,
            scope: feed.scope,
            created_at: feed.created_at,
        }
    }
}

/// The public URL of a feed token.
pub fn feed_url(settings: &Settings, token: &str) -> String {
    let path = format!("calendar/{token}.ics");
    settings
        .auth_url
        .join(&path)
        .map(|url| url.to_string())
        .unwrap_or(path)
}

/// Creates a feed for `owner` and returns it with its URL (the only time the token is seen).
pub async fn create(
    db: &Db,
    actor: &Actor,
    settings: &Settings,
    owner: UserId,
    input: NewFeed,
) -> Result<CreatedFeedView, ServiceError> {
    let scope = match input.scope.as_deref() {
        None => "MINE",
        Some(raw @ ("MINE" | "ALL")) => raw,
        Some(_) => return Err(ServiceError::invalid("scope", "scope must be MINE or ALL")),
    };
    let default_name = if scope == "ALL" {
        "All items"
    } else {
        "My items"
    };
    // A blank name takes the default; any other is held to the credential-name rules.
    let name = match input.name.as_deref().filter(|n| !n.trim().is_empty()) {
        Some(raw) => CredentialName::parse(raw)
            .map_err(|e| ServiceError::invalid("name", e.0))?
            .into_string(),
        None => default_name.to_string(),
    };
    let token = tokens::generate(TOKEN_PREFIX);
    let txn = db.begin_write().await?;
    let feed = calendar_feed::ActiveModel {
        id: Set(new_uuid()),
        user_id: Set(owner.0),
        name: Set(name),
        scope: Set(scope.to_string()),
        token_hash: Set(tokens::hash(&token)),
        created_at: Set(time::now()),
        revoked_at: Set(None),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        AuditEntry {
            action: AuditAction::CalendarFeedCreate,
            entity_type: "calendar_feed",
            entity_id: Some(feed.id),
            summary: Some(format!("{} ({})", feed.name, feed.scope)),
            ..AuditEntry::default()
        },
    )
    .await?;
    txn.commit().await?;
    Ok(CreatedFeedView {
        id: feed.id,
        name: feed.name,
        scope: feed.scope,
        created_at: feed.created_at,
        url: feed_url(settings, &token),
    })
}

/// One's feeds that still work, newest first.
pub async fn list(
    conn: &impl ConnectionTrait,
    owner: UserId,
) -> Result<Vec<FeedView>, ServiceError> {
    Ok(calendar_feed::Entity::find()
        .filter(calendar_feed::Column::UserId.eq(owner.0))
        .filter(calendar_feed::Column::RevokedAt.is_null())
        .order_by_desc(calendar_feed::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Revokes one of one's own feeds; its URL stops working at once. Someone else's feed, or one
/// already revoked, is unknown.
pub async fn revoke(db: &Db, actor: &Actor, owner: UserId, id: Uuid) -> Result<(), ServiceError> {
    let txn = db.begin_write().await?;
    let feed = calendar_feed::Entity::find_by_id(id)
        .filter(calendar_feed::Column::UserId.eq(owner.0))
        .filter(calendar_feed::Column::RevokedAt.is_null())
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mut revoked: calendar_feed::ActiveModel = feed.clone().into();
    revoked.revoked_at = Set(Some(time::now()));
    revoked.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        AuditEntry {
            action: AuditAction::CalendarFeedRevoke,
            entity_type: "calendar_feed",
            entity_id: Some(feed.id),
            summary: Some(feed.name),
            ..AuditEntry::default()
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The iCalendar text of the feed whose token is `token`; `NotFound` for an unknown or revoked
/// token or a deactivated owner.
pub async fn render_feed(
    db: &Db,
    settings: &Settings,
    token: &str,
) -> Result<String, ServiceError> {
    if !token.starts_with(TOKEN_PREFIX) {
        return Err(ServiceError::NotFound);
    }
    let (feed, owner) = calendar_feed::Entity::find()
        .filter(calendar_feed::Column::TokenHash.eq(tokens::hash(token)))
        .filter(calendar_feed::Column::RevokedAt.is_null())
        .find_also_related(user::Entity)
        .one(db.conn())
        .await?
        .ok_or(ServiceError::NotFound)?;
    let Some(owner) = owner.filter(|owner| owner.active) else {
        return Err(ServiceError::NotFound);
    };
    let now = time::now();
    let (from, to) = (now - PAST, now + FUTURE);
    let mut query = work_item::Entity::find()
        .filter(work_item::Column::Status.ne(Status::Cancelled.as_str()))
        .filter(
            Condition::any()
                .add(work_item::Column::DueAt.between(from, to))
                .add(work_item::Column::StartAt.between(from, to)),
        );
    if feed.scope == "MINE" {
        query = query.filter(work_item::Column::OwnerId.eq(feed.user_id));
    }
    let items = query
        .order_by_asc(work_item::Column::DueAt)
        .order_by_asc(work_item::Column::Id)
        .limit(MAX_ITEMS)
        .all(db.conn())
        .await?;
    // All-day entries and the wall-clock text of descriptions are in the feed owner's zone.
    let tz = super::time_zones::of(&owner, settings.timezone);
    let events = items
        .into_iter()
        .filter_map(|item| {
            let when = When::for_item(item.start_at, item.due_at, tz)?;
            Some(event_for(settings, item, when, tz))
        })
        .collect();
    Ok(ics::render(&Calendar {
        name: format!("OPS Desktop: {}", feed.name),
        timezone: tz,
        stamp: now,
        events,
    }))
}

/// A code in people's words (`IN_REVIEW` → "In review"), or the code when it is unknown.
fn words<T: FromStr>(code: &str, label: fn(T) -> &'static str) -> String {
    code.parse::<T>()
        .map(|value| label(value).to_string())
        .unwrap_or_else(|_| code.to_string())
}

/// An item's entry: its description in people's words, with times in `tz`.
fn event_for(settings: &Settings, item: work_item::Model, when: When, tz: Tz) -> Event {
    let url = settings
        .auth_url
        .join(&format!("work/{}", key_of(item.number)))
        .map(|u| u.to_string())
        .ok();
    let mut description = format!(
        "{} · Status: {} · Priority: {}",
        key_of(item.number),
        words(item.status.as_str(), Status::label),
        words(item.priority.as_str(), Priority::label)
    );
    if let Some(start) = item.start_at {
        description.push_str(&format!(" · Starts {}", local_time::when(start, tz)));
    }
    if let Some(due) = item.due_at {
        description.push_str(&format!(" · Due {}", local_time::when(due, tz)));
    }
    if let Some(client) = item.client.as_deref().filter(|c| !c.is_empty()) {
        description.push_str(&format!(" · Client: {client}"));
    }
    if let Some(url) = &url {
        description.push_str(&format!("\n{url}"));
    }
    if !item.description.trim().is_empty() {
        let text: String = item
            .description
            .chars()
            .take(MAX_DESCRIPTION_CHARS)
            .collect();
        description.push_str(&format!("\n\n{text}"));
    }
    let summary = if item.status == Status::Done {
        format!("✓ {}", item.title)
    } else {
        item.title
    };
    Event {
        // The item id is a UUID, unique everywhere; the suffix keeps the UID stable even if
        // the server's address changes.
        uid: format!("{}@ops-desktop", item.id),
        summary,
        description,
        url,
        when,
        created: item.created_at,
        last_modified: item.updated_at,
        sequence: item.version,
    }
}
