//! Taking events in: HighLevel's webhooks (authenticated on the raw bytes, then parsed) and
//! the generic intake for other systems. An event is committed together with its processing
//! job before the sender hears 2xx, and a redelivery finds the first copy by its dedupe key.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, SqlErr,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{EventView, GHL_SOURCE, direction, state};
use crate::domain::audit_action::AuditAction;
use crate::{
    auth::rate_limit::RateLimiter,
    config::Settings,
    db::{Db, entities::integration_event, time},
    domain::{FieldErrors, ids::new_uuid},
    integrations::ghl::{
        delivery::{self, Refusal},
        payload::Identity,
        signature::{self, Verified, WebhookCredentials},
    },
    jobs,
    services::{
        ServiceError,
        audit::{self, Actor, AuditEntry},
    },
};

/// An inbound event about to be stored.
#[derive(Debug, Clone)]
pub struct InboundEvent {
    pub source: String,
    pub event_type: String,
    pub external_id: Option<String>,
    /// `None` stores every delivery (nothing identifies a redelivery).
    pub dedupe_key: Option<String>,
    /// A key the same event may already be stored under (the previous replay window).
    pub earlier_key: Option<String>,
    pub payload: Value,
}

/// What storing found: a new event, or the first copy of a redelivered one.
#[derive(Debug, Clone)]
pub struct Stored {
    pub event: EventView,
    pub duplicate: bool,
}

/// Why a webhook was turned away.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// No credential checked out (answered 401; audited; nothing stored).
    #[error("the webhook's signature or secret is missing or wrong")]
    Unauthorized,
    /// Too many refused webhooks from this address: answered 429 without an audit entry each,
    /// so that a flood of forged requests cannot fill the audit log.
    #[error("too many refused webhooks; try again in {0} seconds")]
    TooManyRefusals(u64),
    /// Authentic, but not JSON we can store (answered 400).
    #[error("{0}")]
    Malformed(String),
    /// Authentic, but stale or for another location (400 or 403; audited; nothing stored).
    #[error("{}", .0.reason())]
    Refused(Refusal),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// `POST /api/webhooks/ghl`: checks authenticity, parses, stores once. Only refusals count
/// against `refusals` (per address): HighLevel's own deliveries are never throttled here,
/// since a 429 to them counts towards pausing the app's webhooks.
pub async fn receive_ghl_webhook(
    db: &Db,
    settings: &Settings,
    refusals: &RateLimiter,
    actor: &Actor,
    credentials: WebhookCredentials<'_>,
    body: &[u8],
) -> Result<Stored, WebhookError> {
    let key =
        signature::webhook_key(settings.ghl_webhook_public_key.as_deref()).map_err(|error| {
            ServiceError::Internal(anyhow::anyhow!("GHL_WEBHOOK_PUBLIC_KEY {error}"))
        })?;
    let secret = settings
        .ghl_webhook_secret
        .as_ref()
        .map(|s| secrecy::ExposeSecret::expose_secret(s).as_bytes());
    let verified = match signature::verify(body, &credentials, &key, secret) {
        Ok(verified) => verified,
        Err(reason) => {
            refuse(db, refusals, actor, &reason).await?;
            return Err(WebhookError::Unauthorized);
        }
    };
    let payload: Value = serde_json::from_slice(body)
        .map_err(|_| WebhookError::Malformed("the body is not valid JSON".to_string()))?;
    if !payload.is_object() {
        return Err(WebhookError::Malformed(
            "the body must be a JSON object".to_string(),
        ));
    }
    let now = time::now();
    let ours = settings
        .ghl_api
        .as_ref()
        .map(|api| api.location_id.as_str());
    let checked = delivery::check_timestamp(&payload, now)
        .and_then(|()| delivery::check_location(&payload, ours, verified == Verified::Ed25519));
    if let Err(refusal) = checked {
        refuse(db, refusals, actor, refusal.reason()).await?;
        return Err(WebhookError::Refused(refusal));
    }
    let identity = Identity::of(&payload);
    // Without an identity of its own, the signed bytes identify a replay.
    let (dedupe_key, earlier_key) = match identity.dedupe_key(GHL_SOURCE) {
        Some(key) => (key, None),
        None => {
            let (current, previous) = delivery::replay_keys(GHL_SOURCE, body, now);
            (current, Some(previous))
        }
    };
    let event = InboundEvent {
        source: GHL_SOURCE.to_string(),
        dedupe_key: Some(dedupe_key),
        earlier_key,
        event_type: identity.event_type,
        external_id: identity.entity_id,
        payload,
    };
    Ok(store(db, event).await?)
}

/// Audits a refused webhook, unless this address has been refused too often lately: then it
/// answers 429 without an entry, so a flood cannot fill the audit log.
async fn refuse(
    db: &Db,
    refusals: &RateLimiter,
    actor: &Actor,
    reason: &str,
) -> Result<(), WebhookError> {
    let address = actor.ip.as_deref().unwrap_or("unknown");
    if let Err(wait) = refusals.check(&format!("webhook-refused:{address}")) {
        tracing::warn!(address, "refused webhooks over the limit");
        return Err(WebhookError::TooManyRefusals(wait.as_secs().max(1)));
    }
    audit::record(
        db.conn(),
        actor,
        AuditEntry {
            action: AuditAction::WebhookRejected,
            entity_type: "webhook",
            summary: Some(format!("GHL webhook refused: {reason}")),
            ..AuditEntry::default()
        },
    )
    .await?;
    Ok(())
}

/// `POST /api/events`: an event from another system.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewEvent {
    /// Who sends it, 1–50 characters of `a-z`, `0-9`, `.`, `_`, `-` (e.g. `zapier`).
    #[schema(required = true, nullable = false, value_type = String, pattern = "^[a-z0-9._-]{1,50}$")]
    pub source: Option<String>,
    /// The event type rules match on, 1–100 characters without spaces or control characters.
    #[serde(rename = "type")]
    #[schema(required = true, nullable = false, value_type = String, min_length = 1, max_length = 100, pattern = r"^[^\s\x00-\x1f\x7f-\x9f]{1,100}$")]
    pub event_type: Option<String>,
    /// The sender's id for this event: a second event with the same source, type and
    /// `externalId` is a redelivery (answered 200, stored once).
    #[schema(max_length = 200)]
    pub external_id: Option<String>,
    /// The event's data, a JSON object (`{}` when left out).
    #[schema(value_type = Option<Object>)]
    pub payload: Option<Value>,
}

/// Validates and stores a generic event.
pub async fn receive_event(db: &Db, input: NewEvent) -> Result<Stored, ServiceError> {
    let mut errors = FieldErrors::default();
    let source = input
        .source
        .as_deref()
        .map(str::trim)
        .map(str::to_ascii_lowercase);
    let source_ok = source.as_deref().is_some_and(|s| {
        (1..=50).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
    });
    if !source_ok {
        errors.add(
            "source",
            "source is required: 1 to 50 characters of a-z, 0-9, '.', '_' or '-'",
        );
    } else if source.as_deref() == Some(GHL_SOURCE) {
        // HighLevel's ids (and the appointments they move) are claimed only by deliveries
        // whose signature checked out; otherwise a person could pre-claim a `webhookId` and
        // the genuine delivery would be dropped as a duplicate.
        errors.add(
            "source",
            "source `ghl` is reserved for HighLevel's signed webhooks (POST /api/webhooks/ghl)",
        );
    }
    let event_type = input
        .event_type
        .as_deref()
        .map(str::trim)
        .map(str::to_string);
    let type_ok = event_type.as_deref().is_some_and(|t| {
        (1..=100).contains(&t.chars().count())
            && !t.chars().any(|c| c.is_whitespace() || c.is_control())
    });
    if !type_ok {
        errors.add(
            "type",
            "type is required: 1 to 100 characters without spaces",
        );
    }
    let external_id = input
        .external_id
        .as_deref()
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_string);
    if input
        .external_id
        .as_ref()
        .is_some_and(|id| id.chars().count() > 200)
    {
        errors.add("externalId", "externalId must be at most 200 characters");
    }
    // Rules match on the payload's fields, so it is an object, like a webhook's body.
    if input.payload.as_ref().is_some_and(|p| !p.is_object()) {
        errors.add("payload", "payload must be a JSON object");
    }
    errors.into_result()?;
    let (Some(source), Some(event_type)) = (source, event_type) else {
        unreachable!("checked above");
    };
    let payload = input.payload.unwrap_or_else(|| json!({}));
    let dedupe_key = match &external_id {
        Some(id) => Some(format!("{source}:{event_type}:{id}")),
        None => Identity::of(&payload).dedupe_key(&source),
    };
    store(
        db,
        InboundEvent {
            source,
            event_type,
            external_id,
            dedupe_key,
            earlier_key: None,
            payload,
        },
    )
    .await
}

/// Stores an inbound event and its processing job in one transaction, unless its dedupe key
/// is already known; concurrent deliveries of one event meet at the unique index.
pub async fn store(db: &Db, event: InboundEvent) -> Result<Stored, ServiceError> {
    if let Some(existing) = find_known(db.conn(), &event).await? {
        return Ok(duplicate(existing));
    }
    let txn = db.begin_write().await?;
    // SQLite: this transaction holds the write lock, so the check and the insert are atomic.
    if let Some(existing) = find_known(&txn, &event).await? {
        return Ok(duplicate(existing));
    }
    let now = time::now();
    let inserted = integration_event::ActiveModel {
        id: Set(new_uuid()),
        direction: Set(direction::INBOUND.to_string()),
        source: Set(event.source),
        event_type: Set(event.event_type),
        external_id: Set(event.external_id),
        dedupe_key: Set(event.dedupe_key.clone()),
        payload: Set(event.payload),
        state: Set(state::RECEIVED.to_string()),
        attempts: Set(0),
        last_error: Set(None),
        response: Set(None),
        work_item_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        processed_at: Set(None),
    }
    .insert(&txn)
    .await;
    let saved = match inserted {
        Ok(saved) => saved,
        Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            // PostgreSQL: another delivery of the same event committed first.
            drop(txn);
            return find_by_key(db.conn(), event.dedupe_key.as_deref())
                .await?
                .map(duplicate)
                .ok_or_else(|| ServiceError::Internal(error.into()));
        }
        Err(error) => return Err(error.into()),
    };
    jobs::enqueue(
        &txn,
        crate::jobs::process_event::SPEC,
        json!({"eventId": saved.id}),
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(Stored {
        event: saved.into(),
        duplicate: false,
    })
}

/// The stored copy of `event`, under its key or the key it had in the previous window.
async fn find_known(
    conn: &impl ConnectionTrait,
    event: &InboundEvent,
) -> Result<Option<integration_event::Model>, ServiceError> {
    match find_by_key(conn, event.dedupe_key.as_deref()).await? {
        Some(found) => Ok(Some(found)),
        None => find_by_key(conn, event.earlier_key.as_deref()).await,
    }
}

async fn find_by_key(
    conn: &impl ConnectionTrait,
    key: Option<&str>,
) -> Result<Option<integration_event::Model>, ServiceError> {
    let Some(key) = key else {
        return Ok(None);
    };
    Ok(integration_event::Entity::find()
        .filter(integration_event::Column::DedupeKey.eq(key))
        .one(conn)
        .await?)
}

fn duplicate(existing: integration_event::Model) -> Stored {
    Stored {
        event: existing.into(),
        duplicate: true,
    }
}
