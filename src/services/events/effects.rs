//! What the rules' actions do, each on the caller's transaction so the effects commit with
//! the event's new state or not at all. Anything the payload does not let us do sends the
//! event to triage with the reason, for a person to decide.

use chrono_tz::Tz;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::new_item::{self, ItemDraft};
use crate::domain::audit_action::AuditAction;
use crate::{
    db::{
        entities::{integration_event, message, work_item},
        time,
    },
    domain::{
        ids::new_uuid,
        work_item::{ItemType, Status},
    },
    integrations::{
        ghl::payload::{Appointment, InboundMessage, Opportunity},
        rules::Rule,
    },
    services::{
        ServiceError,
        audit::{self, Actor, AuditEntry},
        messages::MAX_MESSAGE_CHARS,
        notifications::{self, NotificationKind},
    },
};

/// How processing ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Done: `note` says what happened, `work_item_id` names the item concerned.
    Processed {
        work_item_id: Option<Uuid>,
        note: String,
    },
    /// A person must decide, for `reason`.
    Triage { reason: String },
}

fn triage(reason: impl Into<String>) -> Result<Outcome, ServiceError> {
    Ok(Outcome::Triage {
        reason: reason.into(),
    })
}

/// A won opportunity: an item from the rule's template for that client (once per
/// opportunity and template).
pub async fn create_from_template(
    conn: &impl ConnectionTrait,
    rule: &Rule,
    event: &integration_event::Model,
) -> Result<Outcome, ServiceError> {
    let Some(template_id) = rule.template_id else {
        return triage(format!(
            "the rule “{}” has no template yet; an admin can choose one and retry",
            rule.name
        ));
    };
    let Some(parts) = new_item::load_template(conn, template_id).await? else {
        return triage(format!(
            "the template of rule “{}” no longer exists",
            rule.name
        ));
    };
    let opportunity = Opportunity::of(&event.payload);
    if let Some(opportunity_id) = &opportunity.id
        && let Some(existing) = work_item::Entity::find()
            .filter(work_item::Column::GhlOpportunityId.eq(opportunity_id))
            .filter(work_item::Column::TemplateId.eq(template_id))
            .one(conn)
            .await?
    {
        return Ok(Outcome::Processed {
            work_item_id: Some(existing.id),
            note: format!("“{}” already exists for this opportunity", existing.title),
        });
    }
    let mut draft = ItemDraft::from_template(&parts);
    // The contact's name when the payload has it, else the deal's ("Acme website").
    let client = opportunity
        .contact_name
        .clone()
        .or(opportunity.name.clone());
    if let Some(name) = client.as_deref() {
        draft.set_title(&format!("{}: {name}", parts.template.name));
    }
    draft.set_client(client.as_deref());
    draft.ghl_contact_id = opportunity.contact_id.clone();
    draft.ghl_opportunity_id = opportunity.id.clone();
    if let Some(owner) =
        new_item::person_for_ghl_user(conn, opportunity.assigned_to.as_deref()).await?
    {
        draft.owner_id = Some(owner);
    }
    let item = new_item::insert(conn, &Actor::system(), draft).await?;
    Ok(Outcome::Processed {
        work_item_id: Some(item.id),
        note: format!("created “{}”", item.title),
    })
}

/// An appointment: creates its `EVENT` item, or moves the one an earlier event made.
pub async fn upsert_event_item(
    conn: &impl ConnectionTrait,
    tz: Tz,
    event: &integration_event::Model,
) -> Result<Outcome, ServiceError> {
    let appointment = Appointment::of(&event.payload, tz);
    let Some(appointment_id) = appointment.id.clone() else {
        return triage("the appointment has no id");
    };
    let Some(start) = appointment.start else {
        return triage("the appointment has no start time");
    };
    let end = appointment.end.filter(|end| *end >= start).unwrap_or(start);
    lock_key(
        conn,
        &format!("{}:appointment:{appointment_id}", event.source),
    )
    .await?;
    if let Some(item) = item_of_earlier_event(conn, event, &appointment_id).await? {
        return move_event_item(conn, item, &appointment, start, end).await;
    }
    if appointment.is_cancelled() {
        return Ok(Outcome::Processed {
            work_item_id: None,
            note: "a cancelled appointment without an item: nothing to do".to_string(),
        });
    }
    let mut draft = ItemDraft::blank(
        appointment.title.as_deref().unwrap_or("Appointment"),
        ItemType::Event,
    );
    draft.status = Status::Planned;
    draft.start_at = Some(start);
    draft.due_at = Some(end);
    draft.set_client(appointment.contact_name.as_deref());
    draft.ghl_contact_id = appointment.contact_id.clone();
    draft.owner_id =
        new_item::person_for_ghl_user(conn, appointment.assigned_user_id.as_deref()).await?;
    let item = new_item::insert(conn, &Actor::system(), draft).await?;
    Ok(Outcome::Processed {
        work_item_id: Some(item.id),
        note: format!("created the event “{}”", item.title),
    })
}

/// The item an earlier event of the same appointment made (if it still exists).
async fn item_of_earlier_event(
    conn: &impl ConnectionTrait,
    event: &integration_event::Model,
    appointment_id: &str,
) -> Result<Option<work_item::Model>, ServiceError> {
    let earlier = integration_event::Entity::find()
        .filter(integration_event::Column::Source.eq(event.source.as_str()))
        .filter(integration_event::Column::ExternalId.eq(appointment_id))
        .filter(integration_event::Column::EventType.starts_with("Appointment"))
        .filter(integration_event::Column::WorkItemId.is_not_null())
        .filter(integration_event::Column::Id.ne(event.id))
        .order_by_desc(integration_event::Column::CreatedAt)
        .one(conn)
        .await?;
    match earlier.and_then(|e| e.work_item_id) {
        // Locked like every versioned write, so a person's change at the same moment is not lost.
        Some(id) => Ok(work_item::Entity::find_by_id(id)
            .lock_exclusive()
            .one(conn)
            .await?),
        None => Ok(None),
    }
}

async fn move_event_item(
    conn: &impl ConnectionTrait,
    item: work_item::Model,
    appointment: &Appointment,
    start: chrono::DateTime<chrono::Utc>,
    end: chrono::DateTime<chrono::Utc>,
) -> Result<Outcome, ServiceError> {
    let open = !matches!(item.status.as_str(), "DONE" | "CANCELLED");
    let cancel = appointment.is_cancelled() && open;
    let before = json!({"startAt": item.start_at, "dueAt": item.due_at, "status": item.status});
    let moved = item.start_at != Some(start) || item.due_at != Some(end);
    if !moved && !cancel {
        return Ok(Outcome::Processed {
            work_item_id: Some(item.id),
            note: format!("“{}” is already at that time", item.title),
        });
    }
    let now = time::now();
    let mut change = item.clone().into_active_model();
    change.start_at = Set(Some(start));
    change.due_at = Set(Some(end));
    if cancel {
        change.status = Set(Status::Cancelled);
    }
    change.version = Set(item.version + 1);
    change.updated_at = Set(now);
    let updated = work_item::Entity::update(change)
        .validate()?
        .filter(work_item::Column::Version.eq(item.version))
        .exec(conn)
        .await?;
    audit::record(
        conn,
        &Actor::system(),
        AuditEntry {
            action: if cancel { AuditAction::WorkItemStatus } else { AuditAction::WorkItemDue },
            entity_type: "work_item",
            entity_id: Some(item.id),
            work_item_id: Some(item.id),
            summary: Some(format!("appointment update for “{}”", item.title)),
            before: Some(before),
            after: Some(
                json!({"startAt": updated.start_at, "dueAt": updated.due_at, "status": updated.status}),
            ),
        },
    )
    .await?;
    let note = if cancel {
        format!("cancelled “{}”", updated.title)
    } else {
        format!("moved “{}”", updated.title)
    };
    Ok(Outcome::Processed {
        work_item_id: Some(updated.id),
        note,
    })
}

/// An inbound message: attached to the client's open item, whose owner hears of it.
pub async fn attach_message(
    conn: &impl ConnectionTrait,
    event: &integration_event::Model,
) -> Result<Outcome, ServiceError> {
    let inbound = InboundMessage::of(&event.payload);
    let Some(contact_id) = inbound.contact_id.as_deref() else {
        return triage("the message names no contact");
    };
    let Some(body) = inbound.body.as_deref() else {
        return triage("the message has no text");
    };
    let Some(item) = work_item::Entity::find()
        .filter(work_item::Column::GhlContactId.eq(contact_id))
        .filter(work_item::Column::Status.is_not_in(["DONE", "CANCELLED"]))
        .order_by_desc(work_item::Column::UpdatedAt)
        .order_by_desc(work_item::Column::Id)
        .one(conn)
        .await?
    else {
        return triage(format!("no open item has the contact {contact_id}"));
    };
    let now = time::now();
    let saved = message::ActiveModel {
        id: Set(new_uuid()),
        work_item_id: Set(item.id),
        direction: Set("INBOUND".to_string()),
        channel: Set(inbound.channel.to_string()),
        body: Set(body.chars().take(MAX_MESSAGE_CHARS).collect()),
        status: Set("RECEIVED".to_string()),
        author_id: Set(None),
        ghl_message_id: Set(inbound.message_id.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        &Actor::system(),
        AuditEntry {
            action: AuditAction::MessageCreate,
            entity_type: "message",
            entity_id: Some(saved.id),
            work_item_id: Some(item.id),
            summary: Some(format!("INBOUND {} message from HighLevel", saved.channel)),
            before: None,
            after: Some(
                json!({"direction": saved.direction, "channel": saved.channel,
                "status": saved.status, "body": saved.body, "ghlMessageId": saved.ghl_message_id}),
            ),
        },
    )
    .await?;
    if let Some(owner) = item.owner_id {
        notifications::notify(
            conn,
            owner,
            NotificationKind::ClientReply,
            Some(item.id),
            None,
            format!("The client replied on “{}”", item.title),
        )
        .await?;
    }
    Ok(Outcome::Processed {
        work_item_id: Some(item.id),
        note: format!("attached to “{}”", item.title),
    })
}

/// PostgreSQL: serialises transactions about the same `key` until they end, so two events of
/// one appointment cannot both create its item. SQLite needs nothing: one writer at a time.
async fn lock_key(conn: &impl ConnectionTrait, key: &str) -> Result<(), ServiceError> {
    if conn.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let digest = Sha256::digest(key.as_bytes());
    let id = i64::from_be_bytes(digest[..8].try_into().expect("eight bytes"));
    conn.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_advisory_xact_lock($1)",
        [id.into()],
    ))
    .await?;
    Ok(())
}
