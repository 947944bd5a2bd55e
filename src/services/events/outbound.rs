//! The outbound queue: actions for HighLevel, queued in the transaction of the change that
//! caused them (a request to `POST /api/ghl/events`, or an outbound message posted on an item
//! with a `ghlContactId`), and delivered by the worker through the shared rate limiter.
//!
//! Delivery: 2xx ends `DELIVERED`; 429 waits for `Retry-After` (holding back every delivery
//! of the process) and tries again; 5xx and timeouts fail the attempt so the job retries with
//! backoff, ending `FAILED` after the last; any other answer ends `FAILED` at once with the
//! response kept. A message follows its delivery: `QUEUED`, then `SENT` or `FAILED`.
//!
//! Delivery is at least once. Each attempt is counted in the database *before* the request
//! goes out, so a crash never hides an attempt; but HighLevel has no idempotency key, so a
//! crash (or a lost answer) after HighLevel accepted a request and before `DELIVERED` is
//! committed sends the action again when the job is retried. That window is one request's
//! round trip plus one commit.

use std::time::Duration;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, sea_query::Expr,
};
use serde_json::json;
use uuid::Uuid;

use super::{EventView, GHL_SOURCE, direction, find, state};
use crate::{
    config::Settings,
    db::{
        Db,
        entities::{integration_event, message, work_item},
        time,
    },
    domain::ids::new_uuid,
    integrations::ghl::{
        client::{GhlClient, Outcome},
        outbound::{MessageChannel, OutboundAction, OutboundPayload},
        rate,
    },
    jobs,
    services::{
        ServiceError,
        audit::{self, Actor, AuditEntry},
    },
};

mod input;

use crate::domain::audit_action::AuditAction;
pub use input::GhlActionInput;

/// The sentence of the 503 when GHL is not set up.
pub const NOT_CONFIGURED: &str = "GHL integration is not configured";
/// The longest `Retry-After` a delivery waits for in place; longer ones go back to the queue.
const MAX_IN_PLACE_WAIT: Duration = Duration::from_secs(60);
/// How many 429s one attempt sits out before handing back to the queue's backoff.
const MAX_RATE_LIMITED_WAITS: u32 = 3;

/// Whether outbound delivery can run (`GHL_API_KEY` and `GHL_LOCATION_ID` are set).
pub fn ghl_configured(settings: &Settings) -> bool {
    settings.ghl_api.is_some()
}

/// `POST /api/ghl/events`: validates the action and queues it.
pub async fn queue_action(
    db: &Db,
    actor: &Actor,
    request: GhlActionInput,
) -> Result<EventView, ServiceError> {
    let (action, work_item_id) = input::parse(request)?;
    let txn = db.begin_write().await?;
    if let Some(item) = work_item_id {
        work_item::Entity::find_by_id(item)
            .one(&txn)
            .await?
            .ok_or_else(|| ServiceError::invalid("workItemId", "no item has this id"))?;
    }
    let event = enqueue_delivery(
        &txn,
        OutboundPayload {
            action,
            message_id: None,
        },
        work_item_id,
    )
    .await?;
    audit::record(
        &txn,
        actor,
        AuditEntry {
            action: AuditAction::GhlEventQueue,
            entity_type: "integration_event",
            entity_id: Some(event.id),
            work_item_id,
            summary: Some(format!("queued {} for HighLevel", event.event_type)),
            before: None,
            after: Some(event.payload.clone()),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(event.into())
}

/// Queues an item's outbound message for HighLevel, on the message's own transaction: email
/// and SMS as conversation messages, notes as contact notes.
pub async fn queue_item_message(
    conn: &impl ConnectionTrait,
    item: &work_item::Model,
    saved: &message::Model,
) -> Result<(), ServiceError> {
    let Some(contact_id) = item.ghl_contact_id.clone() else {
        return Ok(());
    };
    let action = match saved.channel.as_str() {
        "EMAIL" => OutboundAction::SendMessage {
            contact_id,
            channel: MessageChannel::Email,
            message: saved.body.clone(),
            subject: Some(item.title.clone()),
        },
        "SMS" => OutboundAction::SendMessage {
            contact_id,
            channel: MessageChannel::Sms,
            message: saved.body.clone(),
            subject: None,
        },
        _ => OutboundAction::AddNote {
            contact_id,
            body: saved.body.clone(),
        },
    };
    let payload = OutboundPayload {
        action,
        message_id: Some(saved.id),
    };
    enqueue_delivery(conn, payload, Some(item.id)).await?;
    Ok(())
}

/// Inserts a `QUEUED` outbound event and its delivery job on `conn`.
async fn enqueue_delivery(
    conn: &impl ConnectionTrait,
    payload: OutboundPayload,
    work_item_id: Option<Uuid>,
) -> Result<integration_event::Model, ServiceError> {
    let now = time::now();
    let event = integration_event::ActiveModel {
        id: Set(new_uuid()),
        direction: Set(direction::OUTBOUND.to_string()),
        source: Set(GHL_SOURCE.to_string()),
        event_type: Set(payload.action.event_type().to_string()),
        external_id: Set(Some(payload.action.external_id().to_string())),
        dedupe_key: Set(None),
        payload: Set(serde_json::to_value(&payload).map_err(anyhow::Error::from)?),
        state: Set(state::QUEUED.to_string()),
        attempts: Set(0),
        last_error: Set(None),
        response: Set(None),
        work_item_id: Set(work_item_id),
        created_at: Set(now),
        updated_at: Set(now),
        processed_at: Set(None),
    }
    .insert(conn)
    .await?;
    jobs::enqueue(
        conn,
        jobs::deliver_outbound::SPEC,
        json!({"eventId": event.id}),
        None,
    )
    .await?;
    Ok(event)
}

/// The item message an outbound event delivers, if any.
pub fn message_of(event: &integration_event::Model) -> Option<Uuid> {
    serde_json::from_value::<OutboundPayload>(event.payload.clone())
        .ok()
        .and_then(|p| p.message_id)
}

/// Delivers one queued event. `Err` means "try again later": the job retries with backoff,
/// and when it gives up [`give_up`] marks the event `FAILED`.
pub async fn deliver(db: &Db, settings: &Settings, event_id: Uuid) -> anyhow::Result<()> {
    let event = match find(db.conn(), event_id).await {
        Ok(event) => event,
        Err(ServiceError::NotFound) => return Ok(()),
        Err(error) => return Err(error.into()),
    };
    if event.direction != direction::OUTBOUND || event.state != state::QUEUED {
        // Delivered or given up already: a job that runs twice does nothing the second time.
        return Ok(());
    }
    let mut attempts = event.attempts;
    let Some(api) = &settings.ghl_api else {
        settle(
            db,
            &event,
            state::FAILED,
            attempts,
            Some(NOT_CONFIGURED),
            None,
        )
        .await?;
        return Ok(());
    };
    let Ok(payload) = serde_json::from_value::<OutboundPayload>(event.payload.clone()) else {
        let error = "the queued action cannot be read";
        settle(db, &event, state::FAILED, attempts, Some(error), None).await?;
        return Ok(());
    };
    let request = payload.action.request();
    let client = GhlClient::new(settings.ghl_api_base.clone(), api.api_key.clone());
    let limiter = rate::shared(settings.ghl_api_base.as_str(), &api.location_id);
    let mut error = String::new();
    for _ in 0..MAX_RATE_LIMITED_WAITS {
        let slot = limiter.acquire().await;
        attempts += 1;
        // Counted before sending: an attempt that crashes mid-request still shows.
        record_attempt(db, &event, attempts).await?;
        let outcome = client.send(&request).await;
        // The answer is in: the place's last full window starts now.
        drop(slot);
        match outcome {
            Outcome::Delivered { status, body } => {
                let response = format!("{status} {body}");
                settle(
                    db,
                    &event,
                    state::DELIVERED,
                    attempts,
                    None,
                    Some(&response),
                )
                .await?;
                return Ok(());
            }
            Outcome::Rejected { status, body } => {
                let error = format!("HighLevel refused the request ({status})");
                let response = format!("{status} {body}");
                settle(
                    db,
                    &event,
                    state::FAILED,
                    attempts,
                    Some(&error),
                    Some(&response),
                )
                .await?;
                return Ok(());
            }
            Outcome::Retryable { error } => {
                return fail_attempt(db, &event, attempts, error).await;
            }
            Outcome::RateLimited { retry_after, body } => {
                error = format!("HighLevel answered 429 (rate limited): {body}");
                match retry_after {
                    Some(wait) if wait <= MAX_IN_PLACE_WAIT => {
                        limiter.pause_for(wait);
                        note_attempt(db, &event, attempts, &error).await?;
                    }
                    Some(wait) => {
                        limiter.pause_for(wait);
                        return fail_attempt(db, &event, attempts, error).await;
                    }
                    None => return fail_attempt(db, &event, attempts, error).await,
                }
            }
        }
    }
    fail_attempt(db, &event, attempts, error).await
}

/// The delivery job gave up: a still-queued event ends `FAILED` with `error` (and its message
/// with it), where a person can retry it. Does nothing to an event that was settled already.
pub async fn give_up(db: &Db, event_id: Uuid, error: &str) -> Result<(), ServiceError> {
    let event = match find(db.conn(), event_id).await {
        Ok(event) => event,
        Err(ServiceError::NotFound) => return Ok(()),
        Err(error) => return Err(error),
    };
    if event.direction != direction::OUTBOUND || event.state != state::QUEUED {
        return Ok(());
    }
    settle(db, &event, state::FAILED, event.attempts, Some(error), None).await
}

/// A failed attempt: recorded, and an error for the job queue (which retries or gives up).
async fn fail_attempt(
    db: &Db,
    event: &integration_event::Model,
    attempts: i32,
    error: String,
) -> anyhow::Result<()> {
    note_attempt(db, event, attempts, &error).await?;
    anyhow::bail!(error)
}

/// Counts an attempt that is about to be sent.
async fn record_attempt(
    db: &Db,
    event: &integration_event::Model,
    attempts: i32,
) -> Result<(), ServiceError> {
    integration_event::Entity::update_many()
        .col_expr(integration_event::Column::Attempts, Expr::value(attempts))
        .col_expr(
            integration_event::Column::UpdatedAt,
            Expr::value(time::now()),
        )
        .filter(integration_event::Column::Id.eq(event.id))
        .filter(integration_event::Column::State.eq(state::QUEUED))
        .exec(db.conn())
        .await?;
    Ok(())
}

async fn note_attempt(
    db: &Db,
    event: &integration_event::Model,
    attempts: i32,
    error: &str,
) -> Result<(), ServiceError> {
    integration_event::Entity::update_many()
        .col_expr(integration_event::Column::Attempts, Expr::value(attempts))
        .col_expr(integration_event::Column::LastError, Expr::value(error))
        .col_expr(
            integration_event::Column::UpdatedAt,
            Expr::value(time::now()),
        )
        .filter(integration_event::Column::Id.eq(event.id))
        .filter(integration_event::Column::State.eq(state::QUEUED))
        .exec(db.conn())
        .await?;
    Ok(())
}

/// Ends a delivery `DELIVERED` or `FAILED`, with its message, in one transaction.
async fn settle(
    db: &Db,
    event: &integration_event::Model,
    outcome: &str,
    attempts: i32,
    error: Option<&str>,
    response: Option<&str>,
) -> Result<(), ServiceError> {
    let now = time::now();
    let txn = db.begin_write().await?;
    let changed = integration_event::Entity::update_many()
        .col_expr(integration_event::Column::State, Expr::value(outcome))
        .col_expr(integration_event::Column::Attempts, Expr::value(attempts))
        .col_expr(integration_event::Column::LastError, Expr::value(error))
        .col_expr(integration_event::Column::Response, Expr::value(response))
        .col_expr(integration_event::Column::ProcessedAt, Expr::value(now))
        .col_expr(integration_event::Column::UpdatedAt, Expr::value(now))
        .filter(integration_event::Column::Id.eq(event.id))
        .filter(integration_event::Column::State.eq(state::QUEUED))
        .exec(&txn)
        .await?
        .rows_affected;
    if changed == 1
        && let Some(message_id) = message_of(event)
    {
        let delivered = outcome == state::DELIVERED;
        let ghl_message_id = response
            .filter(|_| delivered)
            .and_then(|r| r.split_once(' '))
            .and_then(|(_, body)| serde_json::from_str::<serde_json::Value>(body).ok())
            .and_then(|body| {
                body.get("messageId")
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            });
        let mut update = message::Entity::update_many()
            .col_expr(
                message::Column::Status,
                Expr::value(if delivered { "SENT" } else { "FAILED" }),
            )
            .col_expr(message::Column::UpdatedAt, Expr::value(now));
        if let Some(ghl_id) = ghl_message_id {
            update = update.col_expr(message::Column::GhlMessageId, Expr::value(ghl_id));
        }
        update
            .filter(message::Column::Id.eq(message_id))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(())
}
