//! What staff do with an event that waits (in `TRIAGE`, or `FAILED` after its retries):
//! convert it into a work item, dismiss it, or retry it. Each is one transaction whose state
//! change is conditional, so two people clicking at once cannot both succeed.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{
    EventView, direction, find,
    new_item::{self, ItemDraft},
    state,
};
use crate::domain::audit_action::AuditAction;
use crate::{
    db::{
        Db,
        entities::{integration_event, message, user},
        time,
    },
    domain::{
        FieldErrors,
        work_item::{ItemType, Priority},
        work_item_rules::{self as rules, check_dates},
    },
    integrations::ghl::payload::{Fields, contact_name},
    jobs,
    services::{
        ServiceError,
        audit::{self, Actor, AuditEntry},
        work_items::input::{enum_field, time_field, uuid_field},
    },
};

/// States an event may be converted, dismissed or retried from.
const WAITING: &[&str] = &[state::TRIAGE, state::FAILED];

/// `POST /api/events/{id}/convert`: every field optional; the event fills in the rest.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConvertInput {
    /// 1–200 characters, not blank (default: from the event).
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub title: Option<String>,
    /// `REQUEST` by default.
    #[serde(rename = "type")]
    #[schema(value_type = Option<crate::domain::work_item::ItemType>)]
    pub item_type: Option<String>,
    #[schema(value_type = Option<crate::domain::work_item::Priority>)]
    pub priority: Option<String>,
    /// An active person.
    #[schema(format = Uuid)]
    pub owner_id: Option<String>,
    #[schema(format = DateTime)]
    pub start_at: Option<String>,
    #[schema(format = DateTime)]
    pub due_at: Option<String>,
    /// Make the item from this template (its fields, checklist and subtasks).
    #[schema(format = Uuid)]
    pub template_id: Option<String>,
}

/// Turns a waiting inbound event into a work item; the event ends `PROCESSED`, linked to it.
pub async fn convert(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    input: ConvertInput,
) -> Result<EventView, ServiceError> {
    let mut errors = FieldErrors::default();
    let title = input
        .title
        .as_deref()
        .and_then(|raw| errors.check("title", rules::parse_title(raw)));
    let item_type = input
        .item_type
        .as_deref()
        .and_then(|raw| enum_field::<ItemType>(&mut errors, "type", raw));
    let priority = input
        .priority
        .as_deref()
        .and_then(|raw| enum_field::<Priority>(&mut errors, "priority", raw));
    let owner_id = input
        .owner_id
        .as_deref()
        .and_then(|raw| uuid_field(&mut errors, "ownerId", raw));
    let start_at = input
        .start_at
        .as_deref()
        .and_then(|raw| time_field(&mut errors, "startAt", raw));
    let due_at = input
        .due_at
        .as_deref()
        .and_then(|raw| time_field(&mut errors, "dueAt", raw));
    let template = match input
        .template_id
        .as_deref()
        .and_then(|raw| uuid_field(&mut errors, "templateId", raw))
    {
        Some(template_id) => {
            let found = new_item::load_template(db.conn(), template_id).await?;
            if found.is_none() {
                errors.add("templateId", "no template has this id");
            }
            found
        }
        None => None,
    };
    if let Some(owner) = owner_id
        && user::Entity::find_by_id(owner)
            .filter(user::Column::Active.eq(true))
            .one(db.conn())
            .await?
            .is_none()
    {
        errors.add("ownerId", "no active person has this id");
    }

    let txn = db.begin_write().await?;
    let event = waiting_inbound(&txn, id).await?;
    let mut draft = match &template {
        Some(parts) => ItemDraft::from_template(parts),
        None => ItemDraft::blank(&default_title(&event), ItemType::Request),
    };
    describe_origin(&mut draft, &event);
    if let Some(title) = title {
        draft.title = title;
    }
    if let Some(item_type) = item_type {
        draft.item_type = item_type;
    }
    if let Some(priority) = priority {
        draft.priority = priority;
    }
    if owner_id.is_some() {
        draft.owner_id = owner_id;
    }
    if start_at.is_some() {
        draft.start_at = start_at;
    }
    if due_at.is_some() {
        draft.due_at = due_at;
    }
    for (field, problem) in check_dates(draft.item_type, draft.start_at, draft.due_at) {
        errors.add(field, problem);
    }
    errors.into_result()?;
    let item = new_item::insert(&txn, actor, draft).await?;
    let now = time::now();
    let note = format!("converted into “{}”", item.title);
    move_state(&txn, &event, WAITING, state::PROCESSED, |update| {
        update
            .col_expr(integration_event::Column::WorkItemId, Expr::value(item.id))
            .col_expr(integration_event::Column::ProcessedAt, Expr::value(now))
            .col_expr(
                integration_event::Column::Response,
                Expr::value(note.clone()),
            )
    })
    .await?;
    audit_event(
        &txn,
        actor,
        AuditAction::EventConvert,
        &event,
        Some(item.id),
    )
    .await?;
    txn.commit().await?;
    super::get(db.conn(), id).await
}

/// Sets a waiting inbound event aside for good.
pub async fn dismiss(db: &Db, actor: &Actor, id: Uuid) -> Result<EventView, ServiceError> {
    let txn = db.begin_write().await?;
    let event = waiting_inbound(&txn, id).await?;
    move_state(&txn, &event, WAITING, state::DISMISSED, |update| {
        update.col_expr(
            integration_event::Column::ProcessedAt,
            Expr::value(time::now()),
        )
    })
    .await?;
    audit_event(&txn, actor, AuditAction::EventDismiss, &event, None).await?;
    txn.commit().await?;
    super::get(db.conn(), id).await
}

/// Runs a waiting event again: an inbound one through the rules (say, after an admin fixed
/// one), a failed outbound one through delivery. Its job is queued in the same transaction.
pub async fn retry(db: &Db, actor: &Actor, id: Uuid) -> Result<EventView, ServiceError> {
    let txn = db.begin_write().await?;
    let event = find(&txn, id).await?;
    let inbound = event.direction == direction::INBOUND;
    let (from, to): (&[&str], &str) = if inbound {
        (WAITING, state::RECEIVED)
    } else {
        (&[state::FAILED], state::QUEUED)
    };
    move_state(&txn, &event, from, to, |update| {
        update
            .col_expr(integration_event::Column::Attempts, Expr::value(0))
            .col_expr(
                integration_event::Column::LastError,
                Expr::value(Option::<String>::None),
            )
    })
    .await?;
    let payload = json!({"eventId": event.id});
    if inbound {
        jobs::enqueue(&txn, jobs::process_event::SPEC, payload, None).await?;
    } else {
        jobs::enqueue(&txn, jobs::deliver_outbound::SPEC, payload, None).await?;
        if let Some(message_id) = super::outbound::message_of(&event) {
            message::Entity::update_many()
                .col_expr(message::Column::Status, Expr::value("QUEUED"))
                .col_expr(message::Column::UpdatedAt, Expr::value(time::now()))
                .filter(message::Column::Id.eq(message_id))
                .exec(&txn)
                .await?;
        }
    }
    audit_event(&txn, actor, AuditAction::EventRetry, &event, None).await?;
    txn.commit().await?;
    super::get(db.conn(), id).await
}

/// The inbound event `id`, which must be waiting for a person.
async fn waiting_inbound(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<integration_event::Model, ServiceError> {
    let event = find(conn, id).await?;
    if event.direction != direction::INBOUND {
        return Err(ServiceError::Conflict(
            "only inbound events can be converted or dismissed".to_string(),
        ));
    }
    Ok(event)
}

/// Moves `event` from one of `from` to `to`; a 409 if it is (no longer) in one of them.
async fn move_state(
    conn: &impl ConnectionTrait,
    event: &integration_event::Model,
    from: &[&str],
    to: &str,
    more: impl FnOnce(
        sea_orm::UpdateMany<integration_event::Entity>,
    ) -> sea_orm::UpdateMany<integration_event::Entity>,
) -> Result<(), ServiceError> {
    let update = integration_event::Entity::update_many()
        .col_expr(integration_event::Column::State, Expr::value(to))
        .col_expr(
            integration_event::Column::UpdatedAt,
            Expr::value(time::now()),
        )
        .filter(integration_event::Column::Id.eq(event.id))
        .filter(integration_event::Column::State.is_in(from.iter().copied()));
    if more(update).exec(conn).await?.rows_affected == 1 {
        Ok(())
    } else {
        Err(ServiceError::Conflict(format!(
            "this event is {} and can only be changed from {}",
            event.state,
            from.join(" or ")
        )))
    }
}

/// "ContactCreate: Ann Lee", from whatever the payload names.
fn default_title(event: &integration_event::Model) -> String {
    let fields = Fields::of(&event.payload);
    let name = contact_name(&fields)
        .or_else(|| fields.text(&["name", "title"]))
        .or_else(|| event.external_id.clone());
    match name {
        Some(name) => format!("{}: {name}", event.event_type),
        None => event.event_type.clone(),
    }
}

/// Fills the item's client and CRM links from the event, and says where it came from.
fn describe_origin(draft: &mut ItemDraft, event: &integration_event::Model) {
    let fields = Fields::of(&event.payload);
    draft.set_client(contact_name(&fields).as_deref());
    let own_id = fields.text(&["id"]);
    draft.ghl_contact_id = fields.text(&["contactId", "contact_id"]).or_else(|| {
        own_id
            .clone()
            .filter(|_| event.event_type.starts_with("Contact"))
    });
    if event.event_type.starts_with("Opportunity") {
        draft.ghl_opportunity_id = own_id;
    }
    let payload = serde_json::to_string_pretty(&event.payload).unwrap_or_default();
    let payload: String = payload.chars().take(4000).collect();
    let origin = format!(
        "Made from the {} event received from `{}` on {}.\n\n```json\n{payload}\n```",
        event.event_type,
        event.source,
        event.created_at.format("%Y-%m-%d %H:%M UTC")
    );
    draft.description = if draft.description.is_empty() {
        origin
    } else {
        format!("{}\n\n{origin}", draft.description)
    };
}

async fn audit_event(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    action: AuditAction,
    event: &integration_event::Model,
    work_item_id: Option<Uuid>,
) -> Result<(), ServiceError> {
    audit::record(
        conn,
        actor,
        AuditEntry {
            action,
            entity_type: "integration_event",
            entity_id: Some(event.id),
            work_item_id,
            summary: Some(format!("{} {} event", event.direction, event.event_type)),
            before: Some(json!({"state": event.state})),
            after: None,
        },
    )
    .await
}
