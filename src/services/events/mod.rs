//! The events pipeline (docs/PRODUCT.md §7): two queues in `integration_events`.
//!
//! - **Inbound**: what came in (HighLevel webhooks, the generic intake). Stored `RECEIVED`
//!   with its processing job in one transaction, before the sender gets its 2xx; the worker
//!   applies the first matching rule and ends it `PROCESSED` (in the same transaction as the
//!   items it made), or `TRIAGE` for a person, or `FAILED` after its retries. Staff convert,
//!   dismiss or retry what waits.
//! - **Outbound**: what we must deliver to HighLevel. Queued `QUEUED` with its delivery job in
//!   the transaction of the change that caused it; ends `DELIVERED` or `FAILED`.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, EntityTrait};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::ServiceError;
use crate::db::entities::integration_event;

mod effects;
pub mod intake;
pub mod list;
mod new_item;
pub mod outbound;
pub mod process;
pub mod rules;
pub mod triage;

/// Which queue an event is in.
pub mod direction {
    pub const INBOUND: &str = "INBOUND";
    pub const OUTBOUND: &str = "OUTBOUND";
}

/// Event states (both queues share the column).
pub mod state {
    pub const RECEIVED: &str = "RECEIVED";
    pub const PROCESSING: &str = "PROCESSING";
    pub const PROCESSED: &str = "PROCESSED";
    pub const TRIAGE: &str = "TRIAGE";
    pub const DISMISSED: &str = "DISMISSED";
    pub const QUEUED: &str = "QUEUED";
    pub const DELIVERED: &str = "DELIVERED";
    pub const FAILED: &str = "FAILED";

    /// The states an inbound event can be in, in the order the events page shows them.
    pub const INBOUND: &[&str] = &[RECEIVED, PROCESSING, TRIAGE, FAILED, PROCESSED, DISMISSED];
    /// The states an outbound event can be in.
    pub const OUTBOUND: &[&str] = &[QUEUED, FAILED, DELIVERED];
}

/// The source name of HighLevel's events.
pub const GHL_SOURCE: &str = "ghl";

fn direction_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some([direction::INBOUND, direction::OUTBOUND]))
        .build()
}

/// Every state of either direction.
pub fn state_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    let mut states: Vec<&str> = state::INBOUND.to_vec();
    states.extend(
        state::OUTBOUND
            .iter()
            .filter(|s| !state::INBOUND.contains(s)),
    );
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(states))
        .build()
}

/// An event as the API and the events page show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventView {
    pub id: Uuid,
    /// `INBOUND` or `OUTBOUND`.
    #[schema(schema_with = direction_schema)]
    pub direction: String,
    /// Where it came from (`ghl`, or the intake's `source`); `ghl` for outbound.
    pub source: String,
    /// The event type (`OpportunityStatusUpdate`, ...) or outbound action (`addNote`, ...).
    #[serde(rename = "type")]
    pub event_type: String,
    /// The id of the thing it is about in the other system.
    pub external_id: Option<String>,
    /// Inbound: `RECEIVED`, `PROCESSING`, `PROCESSED`, `TRIAGE`, `DISMISSED`, `FAILED`.
    /// Outbound: `QUEUED`, `DELIVERED`, `FAILED`.
    #[schema(schema_with = state_schema)]
    pub state: String,
    pub attempts: i32,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// Outbound: HighLevel's answer. Inbound: what processing did, or why it waits in triage.
    pub response: Option<String>,
    /// The item it created, moved or attached to (or, outbound, the item it came from).
    pub work_item_id: Option<Uuid>,
    /// As received (inbound) or as queued (outbound).
    #[schema(value_type = Object)]
    pub payload: Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub processed_at: Option<DateTime<Utc>>,
}

impl From<integration_event::Model> for EventView {
    fn from(event: integration_event::Model) -> Self {
        EventView {
            id: event.id,
            direction: event.direction,
            source: event.source,
            event_type: event.event_type,
            external_id: event.external_id,
            state: event.state,
            attempts: event.attempts,
            last_error: event.last_error,
            response: event.response,
            work_item_id: event.work_item_id,
            payload: event.payload,
            created_at: event.created_at,
            updated_at: event.updated_at,
            processed_at: event.processed_at,
        }
    }
}

/// An event as the queues list it: everything but the payload, which can be up to 1 MiB and
/// is read one event at a time ([`get`]), so a page of the list stays small whatever came in.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sea_orm::FromQueryResult)]
#[serde(rename_all = "camelCase")]
pub struct EventSummary {
    pub id: Uuid,
    /// `INBOUND` or `OUTBOUND`.
    #[schema(schema_with = direction_schema)]
    pub direction: String,
    pub source: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub external_id: Option<String>,
    #[schema(schema_with = state_schema)]
    pub state: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub response: Option<String>,
    pub work_item_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub processed_at: Option<DateTime<Utc>>,
}

impl EventSummary {
    /// The columns a summary reads (never `payload`).
    pub const COLUMNS: [integration_event::Column; 13] = [
        integration_event::Column::Id,
        integration_event::Column::Direction,
        integration_event::Column::Source,
        integration_event::Column::EventType,
        integration_event::Column::ExternalId,
        integration_event::Column::State,
        integration_event::Column::Attempts,
        integration_event::Column::LastError,
        integration_event::Column::Response,
        integration_event::Column::WorkItemId,
        integration_event::Column::CreatedAt,
        integration_event::Column::UpdatedAt,
        integration_event::Column::ProcessedAt,
    ];
}

impl EventView {
    /// The event without its payload, and the payload.
    pub fn split(self) -> (EventSummary, Value) {
        let summary = EventSummary {
            id: self.id,
            direction: self.direction,
            source: self.source,
            event_type: self.event_type,
            external_id: self.external_id,
            state: self.state,
            attempts: self.attempts,
            last_error: self.last_error,
            response: self.response,
            work_item_id: self.work_item_id,
            created_at: self.created_at,
            updated_at: self.updated_at,
            processed_at: self.processed_at,
        };
        (summary, self.payload)
    }
}

/// One event, or `NotFound`.
pub async fn find(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<integration_event::Model, ServiceError> {
    integration_event::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// One event as the API shows it.
pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<EventView, ServiceError> {
    find(conn, id).await.map(Into::into)
}
