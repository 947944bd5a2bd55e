//! The two queues as the API and the events page show them: per queue, the count of events in
//! each state and a page of its newest events, filterable by state and type. Each queue pages
//! on its own cursor (the id of the last event shown; ids are UUIDv7, so newest first is
//! descending id).

use std::collections::BTreeMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use uuid::Uuid;

use super::{EventSummary, direction, state};
use crate::{
    db::{Db, entities::integration_event},
    domain::FieldErrors,
    services::ServiceError,
};

/// The page size when none is asked for.
pub const DEFAULT_LIMIT: u64 = 50;
/// The largest page size.
pub const MAX_LIMIT: u64 = 200;

/// One queue.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QueueView {
    /// Every state of the queue with how many events are in it (filters do not apply).
    pub counts: BTreeMap<String, u64>,
    /// The newest events matching the filters, without their payloads (`GET
    /// /api/events/{id}` has one event's payload).
    pub items: Vec<EventSummary>,
    /// Pass as `inboundCursor`/`outboundCursor` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// Both queues.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventQueues {
    pub inbound: QueueView,
    pub outbound: QueueView,
}

/// Parsed `GET /api/events` parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    pub state: Option<String>,
    pub event_type: Option<String>,
    pub limit: u64,
    pub inbound_cursor: Option<Uuid>,
    pub outbound_cursor: Option<Uuid>,
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            state: None,
            event_type: None,
            limit: DEFAULT_LIMIT,
            inbound_cursor: None,
            outbound_cursor: None,
        }
    }
}

/// Reads `state`, `type`, `limit`, `inboundCursor` and `outboundCursor`; anything else, or a
/// bad value, is a problem named after the parameter. Empty values count as absent (a form
/// with an empty select sends them).
pub fn parse_query(pairs: &[(String, String)]) -> Result<ListQuery, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut query = ListQuery::default();
    for (name, value) in pairs {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        match name.as_str() {
            "state" => {
                let all = state::INBOUND.iter().chain(state::OUTBOUND);
                if all.clone().any(|s| *s == value) {
                    query.state = Some(value.to_string());
                } else {
                    let mut names: Vec<&str> = all.copied().collect();
                    names.sort();
                    names.dedup();
                    errors.add(
                        "state",
                        format!("state must be one of {}", names.join(", ")),
                    );
                }
            }
            "type" => query.event_type = Some(value.to_string()),
            "limit" => match value.parse::<u64>() {
                Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => query.limit = limit,
                _ => errors.add("limit", format!("limit must be 1 to {MAX_LIMIT}")),
            },
            "inboundCursor" | "outboundCursor" => match Uuid::parse_str(value) {
                Ok(id) if name == "inboundCursor" => query.inbound_cursor = Some(id),
                Ok(id) => query.outbound_cursor = Some(id),
                Err(_) => errors.add(name, format!("{name} is not a cursor from this list")),
            },
            other => errors.add(other, format!("unknown parameter `{other}`")),
        }
    }
    errors.into_result().map(|()| query)
}

/// Both queues under `query`.
pub async fn list(db: &Db, query: &ListQuery) -> Result<EventQueues, ServiceError> {
    Ok(EventQueues {
        inbound: queue(
            db.conn(),
            direction::INBOUND,
            state::INBOUND,
            query,
            query.inbound_cursor,
        )
        .await?,
        outbound: queue(
            db.conn(),
            direction::OUTBOUND,
            state::OUTBOUND,
            query,
            query.outbound_cursor,
        )
        .await?,
    })
}

async fn queue(
    conn: &impl ConnectionTrait,
    which: &str,
    states: &[&str],
    query: &ListQuery,
    cursor: Option<Uuid>,
) -> Result<QueueView, ServiceError> {
    let mut counts: BTreeMap<String, u64> = states.iter().map(|s| (s.to_string(), 0)).collect();
    let grouped: Vec<(String, i64)> = integration_event::Entity::find()
        .select_only()
        .column(integration_event::Column::State)
        .column_as(integration_event::Column::Id.count(), "n")
        .filter(integration_event::Column::Direction.eq(which))
        .group_by(integration_event::Column::State)
        .into_tuple()
        .all(conn)
        .await?;
    for (state, n) in grouped {
        counts.insert(state, n.max(0) as u64);
    }

    let mut select = integration_event::Entity::find()
        .select_only()
        .columns(EventSummary::COLUMNS)
        .filter(integration_event::Column::Direction.eq(which));
    if let Some(state) = &query.state {
        select = select.filter(integration_event::Column::State.eq(state.as_str()));
    }
    if let Some(event_type) = &query.event_type {
        select = select.filter(integration_event::Column::EventType.eq(event_type.as_str()));
    }
    if let Some(cursor) = cursor {
        select = select.filter(integration_event::Column::Id.lt(cursor));
    }
    let mut rows = select
        .order_by_desc(integration_event::Column::Id)
        .limit(query.limit + 1)
        .into_model::<EventSummary>()
        .all(conn)
        .await?;
    let more = rows.len() as u64 > query.limit;
    rows.truncate(query.limit as usize);
    let next_cursor = more
        .then(|| rows.last().map(|last| last.id.to_string()))
        .flatten();
    Ok(QueueView {
        counts,
        items: rows,
        next_cursor,
    })
}
