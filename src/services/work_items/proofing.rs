//! Facts about an item's proofing that come from its history and the shared meaning of
//! "awaiting proofing" as a database condition.

use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;
use uuid::Uuid;

use crate::domain::audit_action::AuditAction;
use crate::{
    db::entities::{audit_log, work_item},
    domain::work_item::{ProofStatus, Status},
    services::ServiceError,
};

/// "Awaiting proofing" for queries: open, needs proofing, pending. The same three conditions as
/// `domain::qc_rules::is_awaiting_proofing`; the dashboard, inbox and QC queue all use this.
pub fn awaiting_proofing() -> Condition {
    Condition::all()
        .add(work_item::Column::NeedsProofing.eq(true))
        .add(work_item::Column::ProofStatus.eq(ProofStatus::Pending.as_str()))
        .add(
            // Named open statuses (not `NOT IN` the closed ones) let an index seek them.
            work_item::Column::Status.is_in(Status::open()),
        )
}

/// Everyone who owned the item since proofing was first asked for, and its owner now. Read
/// from the item's audit trail, so handing the item to someone else and back does not turn its
/// owner into a proofer of their own work.
pub async fn owners_while_proofed(
    conn: &impl ConnectionTrait,
    item: &work_item::Model,
) -> Result<Vec<Uuid>, ServiceError> {
    let entries = audit_log::Entity::find()
        .filter(audit_log::Column::WorkItemId.eq(item.id))
        .filter(audit_log::Column::Action.is_in(OWNERSHIP_TRAIL.map(AuditAction::as_str)))
        .order_by_asc(audit_log::Column::CreatedAt)
        .order_by_asc(audit_log::Column::Id)
        .all(conn)
        .await?;
    Ok(owners_in_trail(item.owner_id, &entries))
}

/// The entries that say who owned an item and when proofing was asked for.
const OWNERSHIP_TRAIL: [AuditAction; 3] = [
    AuditAction::WorkItemCreate,
    AuditAction::WorkItemOwner,
    AuditAction::WorkItemQc,
];

/// [`owners_while_proofed`] read from an item's trail already in hand (oldest first; entries
/// of other kinds are skipped), so a page that shows the history need not read it twice.
pub fn owners_in_trail(owner: Option<Uuid>, entries: &[audit_log::Model]) -> Vec<Uuid> {
    let trail: Vec<&audit_log::Model> = entries
        .iter()
        .filter(|entry| {
            OWNERSHIP_TRAIL
                .iter()
                .any(|action| action.as_str() == entry.action)
        })
        .collect();
    let start = trail.iter().position(|e| became_pending(e)).unwrap_or(0);
    let mut owners: Vec<Uuid> = owner.into_iter().collect();
    for entry in &trail[start..] {
        for side in [&entry.before, &entry.after] {
            if let Some(owner) = side
                .as_ref()
                .and_then(|values| values.get("ownerId"))
                .and_then(Value::as_str)
                .and_then(|raw| raw.parse::<Uuid>().ok())
                && !owners.contains(&owner)
            {
                owners.push(owner);
            }
        }
    }
    owners
}

/// An entry in which proofing was asked for (turned on, or created needing it).
fn became_pending(entry: &audit_log::Model) -> bool {
    let status = |side: &Option<Value>| {
        side.as_ref()
            .and_then(|values| values.get("proofStatus"))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let pending = Some(ProofStatus::Pending.as_str().to_string());
    status(&entry.after) == pending && status(&entry.before) != pending
}
