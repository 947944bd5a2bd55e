//! Pieces shared by creating and changing work items: checking referenced people, board
//! ranks, tags and checklists, and the audit snapshot.

use std::collections::HashSet;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::domain::audit_action::AuditAction;
use crate::{
    db::entities::{qc_checklist_item, user, work_item, work_item_tag},
    domain::{FieldErrors, ids::new_uuid, rank, work_item::Status, work_item_rules::ChecklistItem},
    services::ServiceError,
};

/// Records a problem for each `(field, id)` that is not an active person.
pub async fn check_people(
    conn: &impl ConnectionTrait,
    errors: &mut FieldErrors,
    references: &[(&str, Option<Uuid>)],
) -> Result<(), ServiceError> {
    let wanted: Vec<Uuid> = references.iter().filter_map(|(_, id)| *id).collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let found: HashSet<Uuid> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::Id.is_in(wanted))
        .filter(user::Column::Active.eq(true))
        .into_tuple::<Uuid>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    for (field, id) in references {
        if let Some(id) = id
            && !found.contains(id)
        {
            errors.add(field, "no active person has this id");
        }
    }
    Ok(())
}

/// A rank after the last card of `status`'s column.
pub async fn rank_at_end(
    conn: &impl ConnectionTrait,
    status: Status,
) -> Result<String, ServiceError> {
    let last: Option<String> = work_item::Entity::find()
        .select_only()
        .column(work_item::Column::Rank)
        .filter(work_item::Column::Status.eq(status))
        .order_by_desc(work_item::Column::Rank)
        .limit(1)
        .into_tuple::<String>()
        .one(conn)
        .await?;
    Ok(rank::between(last.as_deref(), None))
}

/// A rank before every card of `status`'s column.
pub async fn rank_at_top(
    conn: &impl ConnectionTrait,
    status: Status,
) -> Result<String, ServiceError> {
    let first: Option<String> = work_item::Entity::find()
        .select_only()
        .column(work_item::Column::Rank)
        .filter(work_item::Column::Status.eq(status))
        .order_by_asc(work_item::Column::Rank)
        .limit(1)
        .into_tuple::<String>()
        .one(conn)
        .await?;
    Ok(rank::between(None, first.as_deref()))
}

/// A rank right after `after` (or at the top when `None`) within `status`'s column.
pub async fn rank_after(
    conn: &impl ConnectionTrait,
    status: Status,
    after: Option<Uuid>,
    moving: Uuid,
) -> Result<Result<String, String>, ServiceError> {
    let lower = match after {
        Some(id) => {
            let Some(anchor) = work_item::Entity::find_by_id(id).one(conn).await? else {
                return Ok(Err("placeAfterId is not a work item".to_string()));
            };
            if anchor.status != status {
                return Ok(Err("placeAfterId must be in the same column".to_string()));
            }
            Some(anchor.rank)
        }
        None => None,
    };
    let mut next = work_item::Entity::find()
        .select_only()
        .column(work_item::Column::Rank)
        .filter(work_item::Column::Status.eq(status))
        .filter(work_item::Column::Id.ne(moving))
        .order_by_asc(work_item::Column::Rank)
        .limit(1);
    if let Some(lower) = &lower {
        next = next.filter(work_item::Column::Rank.gt(lower.clone()));
    }
    let upper: Option<String> = next.into_tuple::<String>().one(conn).await?;
    Ok(Ok(rank::between(lower.as_deref(), upper.as_deref())))
}

/// Replaces an item's tags.
pub async fn replace_tags(
    conn: &impl ConnectionTrait,
    item: Uuid,
    tags: &[String],
) -> Result<(), ServiceError> {
    work_item_tag::Entity::delete_many()
        .filter(work_item_tag::Column::WorkItemId.eq(item))
        .exec(conn)
        .await?;
    for tag in tags {
        work_item_tag::ActiveModel {
            work_item_id: Set(item),
            tag: Set(tag.clone()),
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// Replaces an item's QC checklist.
pub async fn replace_checklist(
    conn: &impl ConnectionTrait,
    item: Uuid,
    checklist: &[ChecklistItem],
) -> Result<(), ServiceError> {
    qc_checklist_item::Entity::delete_many()
        .filter(qc_checklist_item::Column::WorkItemId.eq(item))
        .exec(conn)
        .await?;
    for (position, entry) in checklist.iter().enumerate() {
        qc_checklist_item::ActiveModel {
            id: Set(new_uuid()),
            work_item_id: Set(item),
            label: Set(entry.label.clone()),
            checked: Set(entry.checked),
            position: Set(position as i32),
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// The audited facts of an item, grouped as the audit log records them.
pub fn audit_groups(item: &work_item::Model) -> [(AuditAction, Value); 6] {
    [
        (
            AuditAction::WorkItemFields,
            json!({
                "title": item.title, "type": item.item_type, "priority": item.priority,
                "startAt": item.start_at, "deliverableType": item.deliverable_type,
                "client": item.client, "description": description_digest(&item.description)
            }),
        ),
        (
            AuditAction::WorkItemStatus,
            json!({"status": item.status, "completedAt": item.completed_at}),
        ),
        (
            AuditAction::WorkItemOwner,
            json!({"ownerId": item.owner_id}),
        ),
        (AuditAction::WorkItemDue, json!({"dueAt": item.due_at})),
        (
            AuditAction::WorkItemWaiting,
            json!({"waitingOnUserId": item.waiting_on_user_id, "waitingReason": item.waiting_reason, "waitingSince": item.waiting_since}),
        ),
        (
            AuditAction::WorkItemQc,
            json!({
                "needsProofing": item.needs_proofing, "proofStatus": item.proof_status,
                "prooferId": item.proofer_id, "proofedAt": item.proofed_at, "proofedById": item.proofed_by_id,
                "tbpGraphicsLocation": item.tbp_graphics_location, "qcNotes": item.qc_notes
            }),
        ),
    ]
}

/// A description is too long to copy into every audit entry; a short digest shows that it
/// changed without keeping the text twice.
fn description_digest(text: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(text.as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}
